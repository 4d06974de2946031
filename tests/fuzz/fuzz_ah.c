// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: the AH path with keys present. The packet goes through the engine with an SA
 * store holding SAs of tests/data/ah.pcap (whose packets seed the corpus), most without a
 * replay window so that every mutated packet with a known SPI reaches the ICV computation:
 * the mutable-field zeroing, routing-header and source-route rewriting, the scratch copy and
 * the MAC over attacker-chosen lengths. One ESN SA keeps the window and ESN inference in play.
 */
#include <stdint.h>

#include "keyed_engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char rules_text[] =
	"set int = { 192.0.2.0/24, 2001:db8:2::/48 }\n"
	"policy icv-failure pass\npolicy replay pass\n"
	"pass in proto ah verified inner proto tcp flags A/A\n"
	"block in proto ah unverified\n"
	"pass in proto ah replayed\n";

static const char *const keys[] = {
	"ah spi 0x00001101 dst 192.0.2.10 auth-trunc hmac(sha1) 0x5b4a54a1b57f0e1a42d6f2e9af7439b388d1800d 96 replay-window 0\n",
	"ah spi 0x00001103 dst 2001:db8:2::10 auth-trunc hmac(sha1) 0x90141ed78bca22e822653820722490b68930802f 96 replay-window 0\n",
	"ah spi 0x00001105 dst 192.0.2.10 auth-trunc hmac(sha1) 0xe12ac3ba95f3ddaaa451f9206a6d445156a904a7 96 esn replay-window 32 seq-hi 0x0 seq 0xffffffe0\n",
	"ah spi 0x00001201 dst 192.0.2.10 auth-trunc hmac(sha256) 0xb3b5a7ab5f6a99510552a95deae47750d6c4aa3f1db6ff43725899eb8d36ac3f 128 replay-window 0\n",
	"ah spi 0x00001204 dst 2001:db8:2::1 auth-trunc hmac(sha256) 0xb08a9cbdc62c66c9822cd77f5db04b5d8eecc8b4e6985e1e91cfa9f8c31ba105 128 mode tunnel replay-window 0\n",
	"ah spi 0x00001301 dst 192.0.2.10 auth-trunc hmac(sha384) 0xabc2165aac4da73974d07a3c16a9d87c70f87d82611126733f4d83c436be17b8073c680928be94eba3b81b469c9cff0f 192 replay-window 0\n",
	"ah spi 0x00001401 dst 192.0.2.10 auth-trunc hmac(sha512) 0xb1772c785bdf9db0670a27e19525f992c94accc4adb65fa866fd3ac75f0cb661f9815cc64e0411a2cbd45a1e78b156c0d75d84e60d311e3fbfe336c51c1947a8 256 replay-window 0\n",
	"ah spi 0x00001501 dst 192.0.2.10 auth-trunc hmac(md5) 0xb12c993a02929eefa523168cc48c3023 96 replay-window 0\n",
	"ah spi 0x00001001 dst 192.0.2.10 auth-trunc hmac(sha1) 0x57c24188bf8d7e4e8630d51fbe34db07937a5145 96 replay-window 32\n"
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return keyed_engine_judge("fuzz_ah", rules_text, keys, sizeof(keys) / sizeof(keys[0]),
				  data, size);
}
