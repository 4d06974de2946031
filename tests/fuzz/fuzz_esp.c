// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: the ESP path with keys present. The SAs of tests/data/esp.pcap (whose packets
 * seed the corpus), without replay windows, so that every mutated packet with a known SPI
 * reaches authentication, decryption, the padding checks and the walk over the plaintext:
 * every cipher, AH+ESP bundles, ESP in UDP, nested tunnels.
 */
#include <stdint.h>

#include "keyed_engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char rules_text[] =
	"set int = { 192.0.2.0/24, 2001:db8:2::/48 }\n"
	"policy icv-failure pass\npolicy replay pass\n"
	"pass in proto esp verified inner proto tcp flags A/A\n"
	"pass in proto udp verified inner proto udp to port 53\n"
	"block in proto esp unverified\n"
	"pass in proto ah verified inner proto esp\n";

static const char *const keys[] = {
	"esp spi 0x00002101 dst 192.0.2.10 enc cbc(aes) 0xcd2ee3fb77c8f48a5875e50669cf9515 auth-trunc hmac(sha1) 0xfdd9215b99fcedbb470503da04d9b05d98b983ef 96 replay-window 0\n",
	"esp spi 0x00002102 dst 192.0.2.1 enc cbc(aes) 0x17530511be7a0da46978f90d22b8e0bd auth-trunc hmac(sha1) 0xb84c87d6657ec2413fd318ead4dd92ad642d7f36 96 mode tunnel replay-window 0\n",
	"esp spi 0x00002103 dst 2001:db8:2::10 enc cbc(aes) 0xb5d2d9f5dfb5a6bf64bff9d4c0c3188e auth-trunc hmac(sha1) 0xfa972b3010283e308a504f7d13c8049b847a0586 96 replay-window 0\n",
	"esp spi 0x00002104 dst 2001:db8:2::1 enc cbc(aes) 0x8f77bd6a97a473b757b6c4ea993010b4 auth-trunc hmac(sha1) 0x367a3329867cda01d9b9d11e9e3b919b9bf4f1a9 96 mode tunnel replay-window 0\n",
	"esp spi 0x00002201 dst 192.0.2.10 enc cbc(aes) 0x5051c80a5f970c24bb23c57654c6d55c536e4219e62c6aa6fed011b83b75b9a0 auth-trunc hmac(sha1) 0x89ace917b13f4866fba8318753722e28ddab4dec 96 replay-window 0\n",
	"esp spi 0x00002202 dst 192.0.2.1 enc cbc(aes) 0x79a3eff90daa237b85721d883c25ee223d673eb9b34c1f5c061c49da43deb139 auth-trunc hmac(sha1) 0x5fc2117acc6d1ea8762cd3539907d3cef9f636e8 96 mode tunnel replay-window 0\n",
	"esp spi 0x00002203 dst 2001:db8:2::10 enc cbc(aes) 0x672dc4a7cadb4bc9b2a715cbd0e68ee2a7eae3a5c582b975cdb05c136f0ed043 auth-trunc hmac(sha1) 0xf6b821e5cdd32ee11dd52b1b3c52df47d5e3e0f8 96 replay-window 0\n",
	"esp spi 0x00002204 dst 2001:db8:2::1 enc cbc(aes) 0x49fde74968d1d2a9cebaa67f6ec28624e3befe2cd71d48c174f22e6d9abbe7fc auth-trunc hmac(sha1) 0x8502df975d40afe26f72bf0cb4e520bfe2872031 96 mode tunnel replay-window 0\n",
	"esp spi 0x00002301 dst 192.0.2.10 enc cbc(aes) 0x404f43d7a73b6b27094f20aaece23115 auth-trunc hmac(sha256) 0x1c86aaa981b1e791344dd1a8e0a0893fefa78e4a77085ff4ce5ae676bf275ace 128 replay-window 0\n",
	"esp spi 0x00002302 dst 192.0.2.1 enc cbc(aes) 0x7b691ac1e4c75e452e19bb010c356f89 auth-trunc hmac(sha256) 0x4c207e522aeb7db22f41de2f92b6dc78487445c63b289d5cb6b4bb54088fb6fb 128 mode tunnel replay-window 0\n",
	"esp spi 0x00002303 dst 2001:db8:2::10 enc cbc(aes) 0x5b27d3a1d1cd07b68caac7ba7654f0c2 auth-trunc hmac(sha256) 0x7c34223c0b3fe4f31ec72455c24c544ef5799873577481a4fb9f9de741cbf408 128 replay-window 0\n",
	"esp spi 0x00002304 dst 2001:db8:2::1 enc cbc(aes) 0x331a62aa9595ad9281c597dbe79b9e48 auth-trunc hmac(sha256) 0x6f89c28d1792cf4e1bc3f8bd761d33f19a338f3a9bce03a5f5260d7a54c76b17 128 mode tunnel replay-window 0\n",
	"esp spi 0x00002401 dst 192.0.2.10 enc cbc(aes) 0xe044f400a1a92a85494ccc1aa7b717cefa5db9efec6bc6df55155836ee42a275 auth-trunc hmac(sha256) 0xfb2bb8b529594f8e59ca820fdfe782dc7c1067d7ce59ae932dd4c00230be6e70 128 replay-window 0\n",
	"esp spi 0x00002402 dst 192.0.2.1 enc cbc(aes) 0x88110723e9cbd948db1dc2c468bfa83a4a2a0119c524821690034cf0e7d4c69a auth-trunc hmac(sha256) 0x1b1b8e6a4aa8a25e432b9caf598d74703da6ae4beabb0d68e0878947f63d61d2 128 mode tunnel replay-window 0\n",
	"esp spi 0x00002403 dst 2001:db8:2::10 enc cbc(aes) 0x9527c058cd9f3e7d862207aa7de88eb925390401c2721028284447d40d6c4dbe auth-trunc hmac(sha256) 0xfa8c09dc5bc2beb484cc1247a6b073ba3c3196bde6e7d9ea50928db40c023782 128 replay-window 0\n",
	"esp spi 0x00002404 dst 2001:db8:2::1 enc cbc(aes) 0x23a6bda1e0d21f93ab899648d2bb210f49f0235b9faaef81a54c730e834373a9 auth-trunc hmac(sha256) 0x564ed5aa48ee69c9dd285fcec0f53545438a04c2eeb68c168be9731551670fe5 128 mode tunnel replay-window 0\n",
	"esp spi 0x00002501 dst 192.0.2.10 enc cbc(aes) 0xee15a44c08845a4a5678ee34818a02ed auth-trunc hmac(sha384) 0x5336296f708faa72648c5e213f07092f226b3b3919d065e56adfcb37908d3e8d3d2859855d4b4f2e56ee0197f99c0c79 192 replay-window 0\n",
	"esp spi 0x00002502 dst 192.0.2.1 enc cbc(aes) 0x8358c005ad712730a4f350f9455fdad2 auth-trunc hmac(sha384) 0x6c368e2bfc59cb9f33f46c3f2acafa00c79537f55b746728c9be9d723744528f16ff06999814b26e27d3c61cca4c636b 192 mode tunnel replay-window 0\n",
	"esp spi 0x00002503 dst 2001:db8:2::10 enc cbc(aes) 0x60d4a458eb10bff7597a10cd58ac05d4 auth-trunc hmac(sha384) 0xaa9795a576f495c50bf4b1fb1da4a50c93b0e9489572de98c545bc20d7374112a020ce75852a4529c702b5b0fb2cbe9a 192 replay-window 0\n",
	"esp spi 0x00002504 dst 2001:db8:2::1 enc cbc(aes) 0xaec724f4b38f1f1b841b88782a70ac5d auth-trunc hmac(sha384) 0x9852951b452926676b1a0db4e92bc43e3b6b7bc536bbb04dbace87195955121fc848e04aebc30b53ac41bea1f56d69e1 192 mode tunnel replay-window 0\n",
	"esp spi 0x00002601 dst 192.0.2.10 enc cbc(aes) 0xcab29bd6d7162407bf108dc91675fc5dd4d2444eaeb01733617fcb1ffa8a7617 auth-trunc hmac(sha384) 0x6c9a99afef786344707bdb09439b633a9bc079c600da61180484955a22814a163b4465b104c2f939ec30969e5dfd4aa0 192 replay-window 0\n",
	"esp spi 0x00002602 dst 192.0.2.1 enc cbc(aes) 0xdb85c5bd06c5b9d0812d57514d7b7687fbd57f3412c4259d249b4ff0a9607ddd auth-trunc hmac(sha384) 0xea6d276b45a11f5df88d70723a5feedb330319b172e3f696a0c845986ad553a624a2ce6318769e4a4325ee7557cd983c 192 mode tunnel replay-window 0\n",
	"esp spi 0x00002603 dst 2001:db8:2::10 enc cbc(aes) 0xd56d08d515b5c3c62faa38d1795f60c0c3412014a40154c5da7a7aaafd3cec17 auth-trunc hmac(sha384) 0xf8a6bba9b113aabdb545bbf305ffc8c17e1d5be9084dcf21e3081ada5977e402ac34f5e658aa4c3283a945aaa303b077 192 replay-window 0\n",
	"esp spi 0x00002604 dst 2001:db8:2::1 enc cbc(aes) 0x1b4af3ea2507fd6082a731a387a557001cf8bad8078088038673435b83b4d5ef auth-trunc hmac(sha384) 0x7bed414262adc2bc7fcc57dee22a4bfffe1d4c4ded3a198cc12c4a261c3777fbd15632ea5a6c4e33f5631d2ae9856dbb 192 mode tunnel replay-window 0\n",
	"esp spi 0x00002701 dst 192.0.2.10 enc cbc(aes) 0x248629175e888ea9940f0c68a8a590a2 auth-trunc hmac(sha512) 0x8243d8a3ffd33732c66a0be4a3aa24cd7b28fcb9e7d9e6dbb8fd19e71a23042276fbd4592c78e4ad7731aca50f51f68b86523c07689a5e6102baa36c8a46c6dc 256 replay-window 0\n",
	"esp spi 0x00002702 dst 192.0.2.1 enc cbc(aes) 0xd6d7da94be4bb3cd023727a9ef7be75d auth-trunc hmac(sha512) 0x7891f57ecf8f29dfd341a3eb57e3561d5ff3513030ca056cca12e4629124f82d3e01b4c9d798fd75a9693dec5ffc1b91cd4058566174906a4e0cd57bc3335426 256 mode tunnel replay-window 0\n",
	"esp spi 0x00002703 dst 2001:db8:2::10 enc cbc(aes) 0xc695d556acea7cce6165e03397e48713 auth-trunc hmac(sha512) 0x6d8a4f6e4d8f7ee21d5e064e1c4625a724527f6996645fbafc1641a6ce0d92e28a3450298cbbd3298fc74b7ff9832bf476285d13e228b2419222ad50bb0c5bef 256 replay-window 0\n",
	"esp spi 0x00002704 dst 2001:db8:2::1 enc cbc(aes) 0xe6c20e0b47b2cc870914a86459647025 auth-trunc hmac(sha512) 0xe3f75870d50860ec1933770439cf595411b4841aa270e08b34f4b1d9ec9cd3043ea41cd171e7eebfd4dc899af05eff82a7e08707d6502bf281ee7bb3ed36eeca 256 mode tunnel replay-window 0\n",
	"esp spi 0x00002801 dst 192.0.2.10 enc cbc(aes) 0x2d8a4bc474e6bda947c0b516c74aafc698f8d6b3c9aab518bfc0ca7dd3319731 auth-trunc hmac(sha512) 0x63b914632c8706c37a620a2f29a3e04256b7e0ba88ceff3ccd3a9b35b8aa6b673f4825313218a706644c905893c249b65419036eebc2fb08a4192a2a838271d9 256 replay-window 0\n",
	"esp spi 0x00002802 dst 192.0.2.1 enc cbc(aes) 0x56dc0d97b251739ff81d5c2b62090fc387fb69f7d403ec542c85f49a5a5649d5 auth-trunc hmac(sha512) 0x7e17de9d131d30c1bebe051fe613269a9b92036908b13fe3aad0beda4a96b1204052d92daf19894de43cd37e6c18eacdf99d0220cb9cc5de8d858edc64b5d2fd 256 mode tunnel replay-window 0\n",
	"esp spi 0x00002803 dst 2001:db8:2::10 enc cbc(aes) 0x779321b76bfaa37b678e7761d152592b301b4767364f0fa780ede1b16e8caa30 auth-trunc hmac(sha512) 0x0e8baa226e566bc63ee7b6d41b69da1251b1d0059387c1b0046a08190ae96e908cedfceb19f8fbaf2118b947b09e6166932130fe8fce8af41a72d16ca7b8d81a 256 replay-window 0\n",
	"esp spi 0x00002804 dst 2001:db8:2::1 enc cbc(aes) 0xd9504424c1ba93f752cb69638910824f124f823348706b951b2f5800d3503e63 auth-trunc hmac(sha512) 0x2e58e1b8309c2bdc2285cc0fea32e8be4aadef55197ebf009c6e1836ec4997d2582eb39a80e2657dc21f3a8407658e5a0a6bb1778a6b9d4c21166d4097fc2028 256 mode tunnel replay-window 0\n",
	"esp spi 0x00002901 dst 192.0.2.10 aead rfc4106(gcm(aes)) 0x11140588c8d95d8d8aff2f77112d2922e51bdec4 128 replay-window 0\n",
	"esp spi 0x00002902 dst 192.0.2.1 aead rfc4106(gcm(aes)) 0x1c7c7b6b5577c42da6c590afcc6fe81639ea09cc 128 mode tunnel replay-window 0\n",
	"esp spi 0x00002903 dst 2001:db8:2::10 aead rfc4106(gcm(aes)) 0x0a760b07e85b40fa75d2496d91e9d4a5004a5099 128 replay-window 0\n",
	"esp spi 0x00002904 dst 2001:db8:2::1 aead rfc4106(gcm(aes)) 0x2f8850d8fbbf5ce83d24b89a1a0cb0bceb521fed 128 mode tunnel replay-window 0\n",
	"esp spi 0x00002a01 dst 192.0.2.10 aead rfc4106(gcm(aes)) 0x1bd34a630fa61cf2fb907805a8e1624d18702a12a515fefda24f5447c5d4bdaec25f5a07 128 replay-window 0\n",
	"esp spi 0x00002a02 dst 192.0.2.1 aead rfc4106(gcm(aes)) 0x1370bb8c4ea21618215872f4cbf1c9d04b59ad7ecbf2d2a511070c3ec211a4dc94a7bceb 128 mode tunnel replay-window 0\n",
	"esp spi 0x00002a03 dst 2001:db8:2::10 aead rfc4106(gcm(aes)) 0xc4c203902def0bb6f704f1c7f21be8747a235b40d9dbbf55797599641cb3a1bb116ece83 128 replay-window 0\n",
	"esp spi 0x00002a04 dst 2001:db8:2::1 aead rfc4106(gcm(aes)) 0x8aea8a003481cf5db46f474c7aae5aa21990081052d2a609dfed0932d9937ea586c3d5da 128 mode tunnel replay-window 0\n",
	"esp spi 0x00002b01 dst 192.0.2.10 aead rfc4106(gcm(aes)) 0x2cd1c5d08f15d19fd1f51a6f6a701d0f59efef0f 64 replay-window 0\n",
	"esp spi 0x00002b02 dst 192.0.2.1 aead rfc4106(gcm(aes)) 0x63477525ac03a60ee78fdfc2286c4866cad1b071 64 mode tunnel replay-window 0\n",
	"esp spi 0x00002b03 dst 2001:db8:2::10 aead rfc4106(gcm(aes)) 0x9abf7d44a48904c85091c414542cd8cae51dce30 64 replay-window 0\n",
	"esp spi 0x00002b04 dst 2001:db8:2::1 aead rfc4106(gcm(aes)) 0x9995545cc63416c5a94a456cb27e312072d0ae68 64 mode tunnel replay-window 0\n",
	"esp spi 0x00002c01 dst 192.0.2.10 aead rfc4106(gcm(aes)) 0xc89107d733b971daaefd80e43e70beea5a9c783a0774b34e51f2e23c0a9827db1735523c 96 replay-window 0\n",
	"esp spi 0x00002c02 dst 192.0.2.1 aead rfc4106(gcm(aes)) 0xbad1448e6f3a5b4952bd89693ee5d2db5919ccdbd3997373812c592be1280ac1f158ecf7 96 mode tunnel replay-window 0\n",
	"esp spi 0x00002c03 dst 2001:db8:2::10 aead rfc4106(gcm(aes)) 0xf8b577acd27c21be6c54530300ad7fba53714d3a69facc745ce39355fb7ec5b716b1e363 96 replay-window 0\n",
	"esp spi 0x00002c04 dst 2001:db8:2::1 aead rfc4106(gcm(aes)) 0x5ea9a5bf46a6784845bba134839e8145bc177ae03a5fb621709175dadb914908f318b6f7 96 mode tunnel replay-window 0\n",
	"esp spi 0x00002d01 dst 192.0.2.10 aead rfc7539esp(chacha20,poly1305) 0xbb639326f3522a779ba1f60e4abd65c393fefa40404f96719273722a9b91257432585b64 128 replay-window 0\n",
	"esp spi 0x00002d02 dst 192.0.2.1 aead rfc7539esp(chacha20,poly1305) 0x7029efd5107f1002a673cd52a0bb0d8cf8333d16f76246d295cb40e18e4cb96ccb4a062a 128 mode tunnel replay-window 0\n",
	"esp spi 0x00002d03 dst 2001:db8:2::10 aead rfc7539esp(chacha20,poly1305) 0x9f93a2685f51243fb4773c22b0378af2d93f4dfd4c64b2cefe00cfbd79246f2d08b343b2 128 replay-window 0\n",
	"esp spi 0x00002d04 dst 2001:db8:2::1 aead rfc7539esp(chacha20,poly1305) 0xb837d62b29456ae268ac262ebbb61ed474cd68ba9146f8762c579bb49bc08114f8bc7d2f 128 mode tunnel replay-window 0\n",
	"esp spi 0x00002e01 dst 192.0.2.10 enc ecb(cipher_null) 0x auth-trunc hmac(sha1) 0x5febd9ecf05776593d38e197779d5bb05e9715f4 96 replay-window 0\n",
	"esp spi 0x00002e02 dst 192.0.2.1 enc ecb(cipher_null) 0x auth-trunc hmac(sha1) 0xdd94c669c619d61fc9c75a436e77c3e6f0c85c4a 96 mode tunnel replay-window 0\n",
	"esp spi 0x00002e03 dst 2001:db8:2::10 enc ecb(cipher_null) 0x auth-trunc hmac(sha1) 0x9f439e93ab12e5350c471c6dd2c42d5d324ff7f2 96 replay-window 0\n",
	"esp spi 0x00002e04 dst 2001:db8:2::1 enc ecb(cipher_null) 0x auth-trunc hmac(sha1) 0xe3eadcf46756c1040cd5e69beca3457a62c439ed 96 mode tunnel replay-window 0\n",
	"esp spi 0x00002f01 dst 192.0.2.10 enc cbc(aes) 0xb9f597385cb4020851c9286f7fd583ab auth-trunc hmac(sha256) 0x5197c422c673a3f49e6f1c9c2576019a3ee401b8937423137f7b1ee6b38e51cc 128 replay-window 0\n",
	"esp spi 0x00002f02 dst 192.0.2.10 enc cbc(aes) 0x6cfbe1df86dfa56cd2d8ca1944367a7f auth-trunc hmac(sha256) 0x9f83b373b14df01cca2c589969244e22d31a71f705c468465ba2ec6875f83427 128 replay-window 0\n",
	"esp spi 0x00002f03 dst 192.0.2.1 aead rfc4106(gcm(aes)) 0xbf23b21db6b5c4ffddb9d5fcfc210064c8a8ece8 128 mode tunnel replay-window 0\n",
	"ah spi 0x00002fa1 dst 192.0.2.10 auth-trunc hmac(sha256) 0x382456439776c57018190e08913a50e36121b5c627051e4c347fa9ad2bc2b675 128 replay-window 0\n",
	"esp spi 0x00002f11 dst 192.0.2.10 enc cbc(aes) 0x1e64c25ac090dc2e7d43f86ea80b5262 auth-trunc hmac(sha256) 0xdd784b0c04c0923906ac98cbdd1c6940c7133c9a92238e4905d3673c2bdd54c4 128 replay-window 0\n",
	"ah spi 0x00002fa2 dst 2001:db8:2::10 auth-trunc hmac(sha256) 0x5ea0d60e48c14107b45675607ccd09fe70d85c98ddc3216fbaf64176a312cbe1 128 replay-window 0\n",
	"esp spi 0x00002f12 dst 2001:db8:2::10 aead rfc4106(gcm(aes)) 0x5f444ddb7365e8eda613a206fbd4eac7b721e39a 128 replay-window 0\n",
	"ah spi 0x00002fa3 dst 192.0.2.1 auth-trunc hmac(sha256) 0x2ff8bacc597e119a78f53e3778476ddb89fba90ae4bdaa8444391cf80f60d170 128 replay-window 0\n",
	"esp spi 0x00002f13 dst 192.0.2.1 aead rfc4106(gcm(aes)) 0x86c2474a8b4f29de45a08a1b6ba6b3fb4d739fefd49e50314c6d28fbf5ec0eb3850b7c7c 128 mode tunnel replay-window 0\n",
	"esp spi 0x00002f21 dst 192.0.2.1 aead rfc4106(gcm(aes)) 0xf960a7bcc5a8c3aa0f6c29896efb673b23c3645b 128 mode tunnel replay-window 0\n",
	"esp spi 0x00002f22 dst 192.0.2.2 enc cbc(aes) 0xa43f2141333325feb1d518ad7f87e5d2 auth-trunc hmac(sha256) 0xdc96680927746895296a483ea22e2804785a64bcf9b013297634022bb208c86d 128 mode tunnel replay-window 0\n"
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return keyed_engine_judge("fuzz_esp", rules_text, keys, sizeof(keys) / sizeof(keys[0]),
				  data, size);
}
