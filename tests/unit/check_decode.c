// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Decoder tests. The packets are hex made with scapy (IP/IPv6/AH/ESP/TCP/UDP/ICMP layers,
 * addresses 198.51.100.10 -> 192.0.2.10 and 2001:db8:1::10 -> 2001:db8:2::10, AH ICVs of
 * 0xaa filler, SPI 0x1000 for AH and 0x2000 for ESP), some with one field patched afterwards
 * to make them lie. Every case runs on its own: the valid ones check what the decoder saw,
 * the rest check the reason. On top of the table, every valid packet is decoded at every
 * shorter captured length and with every byte mutated, each time from an exactly-sized heap
 * copy so that ASan sees any read past the end.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecfw/decode.h"
#include "ipsecfw/util.h"
#include "unit.h"

#define PKT_MAX 512
#define SYN DECODE_TCP_SYN
#define ACK DECODE_TCP_ACK

enum frag { FRAG_NONE = 0, FRAG_FIRST, FRAG_LATER };

/* What a valid packet must decode to; fields left out must be zero / false / none. */
struct dexp {
	uint8_t proto;		/* pkt->proto */
	uint8_t version;	/* outer IP version */
	uint8_t n_exthdrs;	/* outer IPv6 extension headers */
	enum frag frag;		/* outer fragment state */
	uint8_t n_ipsec;
	uint32_t spi;		/* ipsec[0].spi */
	uint8_t inner_version;	/* 0: no inner IP header */
	uint8_t l4;		/* transport protocol decoded, 0 for none */
	bool l4_inner;		/* ... in inner_l4 (behind AH) rather than outer_l4 */
	uint16_t sport;
	uint16_t dport;
	uint8_t tcp_flags;
	uint8_t icmp_type;
	enum decode_ike ike;
};

struct dcase {
	const char *name;
	enum decode_result result;
	struct dexp x;		/* checked when result is DECODE_OK */
	const char *hex;
};

static const struct dcase cases[] = {
	{ "ipv4-tcp-syn", DECODE_OK,
	  { .proto = 6, .version = 4, .l4 = 6, .sport = 40000, .dport = 22, .tcp_flags = SYN },
	  "450000280001000040068e87c633640ac000020a9c400016000003e800000000"
	  "50022000035c0000" },
	{ "ipv4-udp-dns", DECODE_OK,
	  { .proto = 17, .version = 4, .l4 = 17, .sport = 33333, .dport = 53 },
	  "450000280001000040118e7cc633640ac000020a823500350014e86a71717171"
	  "7171717171717171" },
	{ "ipv4-icmp-echo", DECODE_OK,
	  { .proto = 1, .version = 4, .l4 = 1, .icmp_type = 8 },
	  "450000200001000040018e94c633640ac000020a0800192d0001000170696e67" },
	{ "ipv4-options-rr", DECODE_OK,
	  { .proto = 6, .version = 4, .l4 = 6, .sport = 40000, .dport = 22, .tcp_flags = SYN },
	  "480000340001000040068070c633640ac000020a070b04000000000000000000"
	  "9c400016000003e80000000050022000035c0000" },
	{ "ipv4-padded-udp", DECODE_OK,
	  { .proto = 17, .version = 4, .l4 = 17, .sport = 1234, .dport = 5678 },
	  "4500001d0001000040118e87c633640ac000020a04d2162e0009809378000000"
	  "00000000000000000000000000000000000000000000000000000000" },
	{ "ipv4-padded-tcp", DECODE_OK,
	  { .proto = 6, .version = 4, .l4 = 6, .sport = 40000, .dport = 22, .tcp_flags = ACK },
	  "450000280001000040068e87c633640ac000020a9c4000160000000000000000"
	  "50102000073600000000000000000000000000000000000000000000" },
	{ "ah4-icmp-padded", DECODE_OK,
	  { .proto = 51, .version = 4, .n_ipsec = 1, .spi = 0x1000, .l4 = 1, .l4_inner = true,
	     .icmp_type = 0 },
	  "450000340001000040338e4ec633640ac000020a010400000000100000000001"
	  "aaaaaaaaaaaaaaaaaaaaaaaa0000ffff000000000000000000000000" },
	{ "ipv4-frag-first-tcp", DECODE_OK,
	  { .proto = 6, .version = 4, .frag = FRAG_FIRST, .l4 = 6, .sport = 40000, .dport = 22,
	     .tcp_flags = SYN },
	  "450000300007200040066e79c633640ac000020a9c400016000003e800000000"
	  "5002200071c200006464646464646464" },
	{ "ipv4-frag-first-udp-long", DECODE_OK,
	  { .proto = 17, .version = 4, .frag = FRAG_FIRST, .l4 = 17, .sport = 500,
	     .dport = 500, .ike = DECODE_IKE_ISAKMP },
	  "450000380008200040116e65c633640ac000020a01f401f4057887ed11111111"
	  "11111111000000000000000021202208000000000000001c" },
	{ "ipv4-frag-later", DECODE_OK,
	  { .proto = 6, .version = 4, .frag = FRAG_LATER },
	  "4500003c000100b940068dbac633640ac000020a7a7a7a7a7a7a7a7a7a7a7a7a"
	  "7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a" },
	{ "ipv4-frag-later-ah", DECODE_OK,
	  { .proto = 51, .version = 4, .frag = FRAG_LATER },
	  "4500001c0001000340338e63c633640ac000020a7a7a7a7a7a7a7a7a" },
	{ "ipv4-gre", DECODE_OK,
	  { .proto = 47, .version = 4 },
	  "4500003400010000402f8e52c633640ac000020a000008004500001c00010000"
	  "40018e98c633640ac000020a0800f7ff00000000" },
	{ "ipv4-ipip-no-ah", DECODE_OK,
	  { .proto = 4, .version = 4 },
	  "4500003c0001000040048e75c633640ac000020a450000280001000040068e87"
	  "c633640ac000020a9c400016000003e80000000050022000035c0000" },
	{ "ipv6-tcp-ack", DECODE_OK,
	  { .proto = 6, .version = 6, .l4 = 6, .sport = 80, .dport = 40000, .tcp_flags = ACK },
	  "600000000019064020010db800010000000000000000001020010db800020000"
	  "000000000000001000509c4000000005000003e9501020004fea000068656c6c"
	  "6f" },
	{ "ipv6-icmpv6-echo", DECODE_OK,
	  { .proto = 58, .version = 6, .l4 = 58, .icmp_type = 128 },
	  "6000000000083a4020010db800010000000000000000001020010db800020000"
	  "00000000000000108000242800000000" },
	{ "ipv6-chain-hbh-rt-frag-dst", DECODE_OK,
	  { .proto = 17, .version = 6, .n_exthdrs = 4, .frag = FRAG_FIRST, .l4 = 17,
	     .sport = 33333, .dport = 53 },
	  "60000000002c004020010db800010000000000000000001020010db800020000"
	  "00000000000000102b000104000000002c000000000000003c00000100000009"
	  "110001040000000082350035000c3ef471717171" },
	{ "ipv6-frag-later", DECODE_OK,
	  { .proto = 6, .version = 6, .n_exthdrs = 1, .frag = FRAG_LATER },
	  "6000000000202c4020010db800010000000000000000001020010db800020000"
	  "000000000000001006000320000000097a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a"
	  "7a7a7a7a7a7a7a7a" },
	{ "ipv6-atomic-frag-ah", DECODE_OK,
	  { .proto = 51, .version = 6, .n_exthdrs = 1, .n_ipsec = 1, .spi = 0x1000, .l4 = 6,
	     .l4_inner = true, .sport = 40000, .dport = 22, .tcp_flags = SYN },
	  "6000000000342c4020010db800010000000000000000001020010db800020000"
	  "00000000000000103300000000000000060400000000100000000001aaaaaaaa"
	  "aaaaaaaaaaaaaaaa9c400016000003e8000000005002200000000000" },
	{ "ipv6-no-next-header", DECODE_OK,
	  { .proto = 59, .version = 6 },
	  "6000000000003b4020010db800010000000000000000001020010db800020000"
	  "0000000000000010" },
	{ "ipv6-dstopts-nnh", DECODE_OK,
	  { .proto = 59, .version = 6, .n_exthdrs = 1 },
	  "6000000000083c4020010db800010000000000000000001020010db800020000"
	  "00000000000000103b00010400000000" },
	{ "ipv6-eight-dstopts", DECODE_OK,
	  { .proto = 6, .version = 6, .n_exthdrs = 8, .l4 = 6, .sport = 40000, .dport = 22,
	     .tcp_flags = SYN },
	  "6000000000543c4020010db800010000000000000000001020010db800020000"
	  "00000000000000103c000104000000003c000104000000003c00010400000000"
	  "3c000104000000003c000104000000003c000104000000003c00010400000000"
	  "06000104000000009c400016000003e80000000050022000940f0000" },
	{ "ah4-tcp-syn", DECODE_OK,
	  { .proto = 51, .version = 4, .n_ipsec = 1, .spi = 0x1000, .l4 = 6, .l4_inner = true,
	     .sport = 40000, .dport = 22, .tcp_flags = SYN },
	  "450000400001000040338e42c633640ac000020a060400000000100000000001"
	  "aaaaaaaaaaaaaaaaaaaaaaaa9c400016000003e8000000005002200000000000" },
	{ "ah4-tcp-ack", DECODE_OK,
	  { .proto = 51, .version = 4, .n_ipsec = 1, .spi = 0x1000, .l4 = 6, .l4_inner = true,
	     .sport = 80, .dport = 40000, .tcp_flags = ACK },
	  "450000450001000040338e3dc633640ac000020a060400000000100000000001"
	  "aaaaaaaaaaaaaaaaaaaaaaaa00509c4000000005000003e95010200000000000"
	  "68656c6c6f" },
	{ "ah4-udp", DECODE_OK,
	  { .proto = 51, .version = 4, .n_ipsec = 1, .spi = 0x1000, .l4 = 17, .l4_inner = true,
	     .sport = 53, .dport = 33333 },
	  "450000480001000040338e3ac633640ac000020a110400000000100000000001"
	  "aaaaaaaaaaaaaaaaaaaaaaaa00358235001c0000727272727272727272727272"
	  "7272727272727272" },
	{ "ah4-icmp", DECODE_OK,
	  { .proto = 51, .version = 4, .n_ipsec = 1, .spi = 0x1000, .l4 = 1, .l4_inner = true,
	     .icmp_type = 0 },
	  "450000340001000040338e4ec633640ac000020a010400000000100000000001"
	  "aaaaaaaaaaaaaaaaaaaaaaaa0000ffff00000000" },
	{ "ah4-udp-500-not-ike", DECODE_OK,
	  { .proto = 51, .version = 4, .n_ipsec = 1, .spi = 0x1000, .l4 = 17, .l4_inner = true,
	     .sport = 500, .dport = 500 },
	  "450000500001000040338e32c633640ac000020a110400000000100000000001"
	  "aaaaaaaaaaaaaaaaaaaaaaaa01f401f400240000111111111111111100000000"
	  "0000000021202208000000000000001c" },
	{ "ah4-tunnel-ip4", DECODE_OK,
	  { .proto = 51, .version = 4, .n_ipsec = 1, .spi = 0x1000, .inner_version = 4,
	     .l4 = 6, .l4_inner = true, .sport = 40001, .dport = 443, .tcp_flags = SYN },
	  "450000540001000040338e2ec633640ac000020a040400000000100000000001"
	  "aaaaaaaaaaaaaaaaaaaaaaaa450000280001000040068e5fc633641ec000021e"
	  "9c4101bb000003e80000000050022000018e0000" },
	{ "ah6-tunnel-ip6", DECODE_OK,
	  { .proto = 51, .version = 6, .n_ipsec = 1, .spi = 0x1000, .inner_version = 6,
	     .l4 = 6, .l4_inner = true, .sport = 40001, .dport = 443, .tcp_flags = SYN },
	  "600000000054334020010db800010000000000000000001020010db800020000"
	  "0000000000000010290400000000100000000001aaaaaaaaaaaaaaaaaaaaaaaa"
	  "600000000014064020010db800010000000000000000003020010db800020000"
	  "00000000000000309c4101bb000003e8000000005002200092290000" },
	{ "ah4-tunnel-ip6", DECODE_OK,
	  { .proto = 51, .version = 4, .n_ipsec = 1, .spi = 0x1000, .inner_version = 6,
	     .l4 = 17, .l4_inner = true, .sport = 1, .dport = 2 },
	  "450000640001000040338e1ec633640ac000020a290400000000100000000001"
	  "aaaaaaaaaaaaaaaaaaaaaaaa6000000000103c4020010db80001000000000000"
	  "0000003020010db8000200000000000000000030110001040000000000010002"
	  "0008a406" },
	{ "ah6-esp", DECODE_OK,
	  { .proto = 51, .version = 6, .n_ipsec = 2, .spi = 0x1000 },
	  "600000000048334020010db800010000000000000000001020010db800020000"
	  "0000000000000010320400000000100000000001aaaaaaaaaaaaaaaaaaaaaaaa"
	  "0000200000000007000102030405060708090a0b0c0d0e0f1011121314151617"
	  "18191a1b1c1d1e1f2021222324252627" },
	{ "ah4-esp", DECODE_OK,
	  { .proto = 51, .version = 4, .n_ipsec = 2, .spi = 0x1000 },
	  "4500005c0001000040338e26c633640ac000020a320400000000100000000001"
	  "aaaaaaaaaaaaaaaaaaaaaaaa0000200000000007000102030405060708090a0b"
	  "0c0d0e0f101112131415161718191a1b1c1d1e1f2021222324252627" },
	{ "ah4-ah-tcp", DECODE_OK,
	  { .proto = 51, .version = 4, .n_ipsec = 2, .spi = 0x1000, .l4 = 6, .l4_inner = true,
	     .sport = 40000, .dport = 22, .tcp_flags = SYN },
	  "450000580001000040338e2ac633640ac000020a330400000000100000000001"
	  "aaaaaaaaaaaaaaaaaaaaaaaa060400000000100100000001aaaaaaaaaaaaaaaa"
	  "aaaaaaaa9c400016000003e8000000005002200000000000" },
	{ "ah4-nested-tunnels-max", DECODE_OK,
	  { .proto = 51, .version = 4, .n_ipsec = 4, .spi = 0x1000, .inner_version = 4,
	     .l4 = 6, .l4_inner = true, .sport = 40000, .dport = 22, .tcp_flags = SYN },
	  "450000c40001000040338dbec633640ac000020a040400000000100000000001"
	  "aaaaaaaaaaaaaaaaaaaaaaaa450000980001000040338deac633640ac000020a"
	  "040400000000100100000001aaaaaaaaaaaaaaaaaaaaaaaa4500006c00010000"
	  "40338e16c633640ac000020a040400000000100200000001aaaaaaaaaaaaaaaa"
	  "aaaaaaaa4500004000010000403366880a0000010a0000020604000000001003"
	  "00000001aaaaaaaaaaaaaaaaaaaaaaaa9c400016000003e80000000050022000"
	  "00000000" },
	{ "ah4-nnh", DECODE_OK,
	  { .proto = 51, .version = 4, .n_ipsec = 1, .spi = 0x1000 },
	  "4500002c0001000040338e56c633640ac000020a3b0400000000100000000001"
	  "aaaaaaaaaaaaaaaaaaaaaaaa" },
	{ "esp4", DECODE_OK,
	  { .proto = 50, .version = 4, .n_ipsec = 1, .spi = 0x2000 },
	  "450000440001000040328e3fc633640ac000020a000020000000000700010203"
	  "0405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223"
	  "24252627" },
	{ "esp6-after-routing", DECODE_OK,
	  { .proto = 50, .version = 6, .n_exthdrs = 1, .n_ipsec = 1, .spi = 0x2000 },
	  "6000000000382b4020010db800010000000000000000001020010db800020000"
	  "0000000000000010320000000000000000002000000000070001020304050607"
	  "08090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021222324252627" },
	{ "ah6-hbh-tcp", DECODE_OK,
	  { .proto = 51, .version = 6, .n_exthdrs = 1, .n_ipsec = 1, .spi = 0x1000, .l4 = 6,
	     .l4_inner = true, .sport = 443, .dport = 50000, .tcp_flags = ACK },
	  "600000000039004020010db800010000000000000000001020010db800020000"
	  "00000000000000103300010400000000060400000000100000000001aaaaaaaa"
	  "aaaaaaaaaaaaaaaa01bbc35000000005000003e9501020000000000068656c6c"
	  "6f" },
	{ "ah6-dstopts-after-ah", DECODE_OK,
	  { .proto = 51, .version = 6, .n_exthdrs = 1, .n_ipsec = 1, .spi = 0x1000, .l4 = 6,
	     .l4_inner = true, .sport = 40000, .dport = 22, .tcp_flags = SYN },
	  "600000000034334020010db800010000000000000000001020010db800020000"
	  "00000000000000103c0400000000100000000001aaaaaaaaaaaaaaaaaaaaaaaa"
	  "06000104000000009c400016000003e80000000050022000940f0000" },
	{ "udp500-isakmp", DECODE_OK,
	  { .proto = 17, .version = 4, .l4 = 17, .sport = 500, .dport = 500,
	     .ike = DECODE_IKE_ISAKMP },
	  "450000440001000040118e60c633640ac000020a01f401f40030bafc11111111"
	  "1111111100000000000000002120220800000000000000282222222222222222"
	  "22222222" },
	{ "udp500-short", DECODE_OK,
	  { .proto = 17, .version = 4, .l4 = 17, .sport = 500, .dport = 500,
	     .ike = DECODE_IKE_SHORT },
	  "450000370001000040118e6dc633640ac000020a01f401f40023209a11111111"
	  "1111111111111111111111111111111111111111111111" },
	{ "udp6-500-isakmp", DECODE_OK,
	  { .proto = 17, .version = 6, .l4 = 17, .sport = 500, .dport = 500,
	     .ike = DECODE_IKE_ISAKMP },
	  "600000000024114020010db800010000000000000000001020010db800020000"
	  "000000000000001001f401f4002418a111111111111111110000000000000000"
	  "21202208000000000000001c" },
	{ "udp4500-keepalive-padded", DECODE_OK,
	  { .proto = 17, .version = 4, .l4 = 17, .sport = 4500, .dport = 4500,
	     .ike = DECODE_IKE_KEEPALIVE },
	  "4500001d0001000040118e87c633640ac000020a119411940009f16aff000000"
	  "00000000000000000000000000000000000000000000000000000000" },
	{ "udp4500-one-byte-not-ff", DECODE_OK,
	  { .proto = 17, .version = 4, .l4 = 17, .sport = 4500, .dport = 4500,
	     .ike = DECODE_IKE_SHORT },
	  "4500001d0001000040118e87c633640ac000020a119411940009f06b00" },
	{ "udp4500-natt-ike", DECODE_OK,
	  { .proto = 17, .version = 4, .l4 = 17, .sport = 4500, .dport = 4500,
	     .ike = DECODE_IKE_NATT },
	  "4500003c0001000040118e68c633640ac000020a11941194002868a500000000"
	  "1111111111111111000000000000000021202208000000000000001c" },
	{ "udp4500-marker-short", DECODE_OK,
	  { .proto = 17, .version = 4, .l4 = 17, .sport = 4500, .dport = 4500,
	     .ike = DECODE_IKE_SHORT },
	  "4500003b0001000040118e69c633640ac000020a119411940027015200000000"
	  "111111111111111111111111111111111111111111111111111111" },
	{ "udp4500-esp", DECODE_OK,
	  { .proto = 17, .version = 4, .n_ipsec = 1, .spi = 0x3000, .l4 = 17, .sport = 4500,
	     .dport = 4500, .ike = DECODE_IKE_ESP_IN_UDP },
	  "4500004c0001000040118e58c633640ac000020a119411940038427300003000"
	  "00000009000102030405060708090a0b0c0d0e0f101112131415161718191a1b"
	  "1c1d1e1f2021222324252627" },
	{ "udp4500-esp-short", DECODE_OK,
	  { .proto = 17, .version = 4, .l4 = 17, .sport = 4500, .dport = 4500,
	     .ike = DECODE_IKE_SHORT },
	  "450000220001000040118e82c633640ac000020a11941194000ec06100003000"
	  "0000" },
	{ "udp-nat-port-4500", DECODE_OK,
	  { .proto = 17, .version = 4, .n_ipsec = 1, .spi = 0x3001, .l4 = 17, .sport = 61000,
	     .dport = 4500, .ike = DECODE_IKE_ESP_IN_UDP },
	  "4500004c0001000040118e58c633640ac000020aee481194003865c500003001"
	  "00000001000102030405060708090a0b0c0d0e0f101112131415161718191a1b"
	  "1c1d1e1f2021222324252627" },
	{ "empty", DECODE_TRUNCATED,
	  { 0 },
	  "" },
	{ "ipv4-header-cut", DECODE_TRUNCATED,
	  { 0 },
	  "450000280001000040068e87c633640ac00002" },
	{ "version-5", DECODE_BAD_VERSION,
	  { 0 },
	  "550000280001000040068e87c633640ac000020a9c400016000003e800000000"
	  "50022000035c0000" },
	{ "version-0", DECODE_BAD_VERSION,
	  { 0 },
	  "0000000000000000000000000000000000000000000000000000000000000000"
	  "0000000000000000" },
	{ "ihl-4", DECODE_BAD_IHL,
	  { 0 },
	  "440000280001000040068e87c633640ac000020a9c400016000003e800000000"
	  "50022000035c0000" },
	{ "total-below-ihl", DECODE_BAD_IHL,
	  { 0 },
	  "480000140001000040068070c633640ac000020a070b04000000000000000000"
	  "9c400016000003e80000000050022000035c0000" },
	{ "ipv4-total-too-long", DECODE_BAD_LENGTH,
	  { 0 },
	  "450000540001000040338e42c633640ac000020a060400000000100000000001"
	  "aaaaaaaaaaaaaaaaaaaaaaaa9c400016000003e8000000005002200000000000" },
	{ "ipv6-plen-too-long", DECODE_BAD_LENGTH,
	  { 0 },
	  "600000000015064020010db800010000000000000000001020010db800020000"
	  "00000000000000109c400016000003e80000000050022000940f0000" },
	{ "ipv6-jumbo", DECODE_BAD_LENGTH,
	  { 0 },
	  "600000000000064020010db800010000000000000000001020010db800020000"
	  "00000000000000109c400016000003e80000000050022000940f0000" },
	{ "udp-len-too-long", DECODE_BAD_LENGTH,
	  { 0 },
	  "450000380001000040118e6cc633640ac000020a01f401f4002c87ed11111111"
	  "11111111000000000000000021202208000000000000001c" },
	{ "udp-len-below-8", DECODE_BAD_LENGTH,
	  { 0 },
	  "450000200001000040118e84c633640ac000020a0001000200074ec461626364" },
	{ "ah-inner-total-too-long", DECODE_BAD_LENGTH,
	  { 0 },
	  "450000540001000040338e2ec633640ac000020a040400000000100000000001"
	  "aaaaaaaaaaaaaaaaaaaaaaaa450000290001000040068e87c633640ac000020a"
	  "9c400016000003e80000000050022000035c0000" },
	{ "ah-inner-ipv6-plen-too-long", DECODE_BAD_LENGTH,
	  { 0 },
	  "600000000054334020010db800010000000000000000001020010db800020000"
	  "0000000000000010290400000000100000000001aaaaaaaaaaaaaaaaaaaaaaaa"
	  "600000000015064020010db800010000000000000000001020010db800020000"
	  "00000000000000109c400016000003e80000000050022000940f0000" },
	{ "tiny-fragment-tcp", DECODE_TRUNCATED,
	  { 0 },
	  "4500001c0001200040066e93c633640ac000020a9c400016000003e8" },
	{ "tiny-fragment-ipv6", DECODE_TRUNCATED,
	  { 0 },
	  "6000000000182c4020010db800010000000000000000001020010db800020000"
	  "000000000000001006000001000000009c400016000003e80000000050022000" },
	{ "tcp-cut-in-datagram", DECODE_TRUNCATED,
	  { 0 },
	  "4500001e0001000040068e91c633640ac000020a9c400016000003e80000" },
	{ "udp-cut", DECODE_TRUNCATED,
	  { 0 },
	  "450000180001000040118e8cc633640ac000020a00010002" },
	{ "icmp-cut", DECODE_TRUNCATED,
	  { 0 },
	  "450000160001000040018e9ec633640ac000020a0800" },
	{ "ah-cut-8", DECODE_TRUNCATED,
	  { 0 },
	  "4500001c0001000040338e66c633640ac000020a0604000000001000" },
	{ "ah-cut-8-len-0", DECODE_TRUNCATED,
	  { 0 },
	  "4500001c0001000040338e66c633640ac000020a0600000000001000" },
	{ "ah-past-datagram", DECODE_TRUNCATED,
	  { 0 },
	  "4500002c0001000040338e56c633640ac000020a060500000000100000000001"
	  "aaaaaaaaaaaaaaaaaaaaaaaa" },
	{ "ah-tcp-cut", DECODE_TRUNCATED,
	  { 0 },
	  "450000380001000040338e4ac633640ac000020a060400000000100000000001"
	  "aaaaaaaaaaaaaaaaaaaaaaaa9c400016000003e800000000" },
	{ "esp-cut", DECODE_TRUNCATED,
	  { 0 },
	  "450000180001000040328e6bc633640ac000020a00002000" },
	{ "exthdr-past-datagram", DECODE_TRUNCATED,
	  { 0 },
	  "60000000001c3c4020010db800010000000000000000001020010db800020000"
	  "000000000000001006040104000000009c400016000003e80000000050022000"
	  "940f0000" },
	{ "exthdr-cut", DECODE_TRUNCATED,
	  { 0 },
	  "6000000000043c4020010db800010000000000000000001020010db800020000"
	  "000000000000001006000000" },
	{ "inner-ip-cut", DECODE_TRUNCATED,
	  { 0 },
	  "450000380001000040338e4ac633640ac000020a040400000000100000000001"
	  "aaaaaaaaaaaaaaaaaaaaaaaa450000140001000040008ea1" },
	{ "ah6-len-28", DECODE_BAD_ALIGNMENT,
	  { 0 },
	  "600000000030334020010db800010000000000000000001020010db800020000"
	  "0000000000000010060500000000100000000001aaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaa9c400016000003e8000000005002200000000000" },
	{ "ah-len-0", DECODE_BAD_AH_LENGTH,
	  { 0 },
	  "450000400001000040338e42c633640ac000020a060000000000100000000001"
	  "aaaaaaaaaaaaaaaaaaaaaaaa9c400016000003e8000000005002200000000000" },
	{ "tcp-doff-3", DECODE_BAD_TCP_OFFSET,
	  { 0 },
	  "450000280001000040068e87c633640ac000020a9c400016000003e800000000"
	  "30022000035c0000" },
	{ "tcp-doff-past-end", DECODE_BAD_TCP_OFFSET,
	  { 0 },
	  "450000400001000040338e42c633640ac000020a060400000000100000000001"
	  "aaaaaaaaaaaaaaaaaaaaaaaa9c400016000003e800000000f002200000000000" },
	{ "hbh-after-dstopts", DECODE_BAD_EXTHDR,
	  { 0 },
	  "60000000003c3c4020010db800010000000000000000001020010db800020000"
	  "0000000000000010000001040000000033000104000000000604000000001000"
	  "00000001aaaaaaaaaaaaaaaaaaaaaaaa9c400016000003e80000000050022000"
	  "00000000" },
	{ "hbh-after-ah", DECODE_BAD_EXTHDR,
	  { 0 },
	  "600000000034334020010db800010000000000000000001020010db800020000"
	  "0000000000000010000400000000100000000001aaaaaaaaaaaaaaaaaaaaaaaa"
	  "06000104000000009c400016000003e80000000050022000940f0000" },
	{ "two-fragment-headers", DECODE_BAD_EXTHDR,
	  { 0 },
	  "6000000000202c4020010db800010000000000000000001020010db800020000"
	  "00000000000000102c000001000000003b000050000000007a7a7a7a7a7a7a7a"
	  "7a7a7a7a7a7a7a7a" },
	{ "inner-version-mismatch", DECODE_BAD_VERSION,
	  { 0 },
	  "450000680001000040338e1ac633640ac000020a040400000000100000000001"
	  "aaaaaaaaaaaaaaaaaaaaaaaa600000000014064020010db80001000000000000"
	  "0000001020010db80002000000000000000000109c400016000003e800000000"
	  "50022000940f0000" },
	{ "inner-version-mismatch-6", DECODE_BAD_VERSION,
	  { 0 },
	  "600000000040334020010db800010000000000000000001020010db800020000"
	  "0000000000000010290400000000100000000001aaaaaaaaaaaaaaaaaaaaaaaa"
	  "450000280001000040068e87c633640ac000020a9c400016000003e800000000"
	  "50022000035c0000" },
	{ "nine-dstopts", DECODE_CHAIN_TOO_LONG,
	  { 0 },
	  "6000000000743c4020010db800010000000000000000001020010db800020000"
	  "00000000000000103c000104000000003c000104000000003c00010400000000"
	  "3c000104000000003c000104000000003c000104000000003c00010400000000"
	  "3c000104000000003300010400000000060400000000100000000001aaaaaaaa"
	  "aaaaaaaaaaaaaaaa9c400016000003e8000000005002200000000000" },
	{ "five-before-ah-four-after", DECODE_CHAIN_TOO_LONG,
	  { 0 },
	  "6000000000743c4020010db800010000000000000000001020010db800020000"
	  "00000000000000103c000104000000003c000104000000003c00010400000000"
	  "3c0001040000000033000104000000003c0400000000100000000001aaaaaaaa"
	  "aaaaaaaaaaaaaaaa3c000104000000003c000104000000003c00010400000000"
	  "06000104000000009c400016000003e80000000050022000940f0000" },
	{ "five-ip-headers", DECODE_TOO_DEEP,
	  { 0 },
	  "450000d80001000040338daac633640ac000020a040400000000100000000001"
	  "aaaaaaaaaaaaaaaaaaaaaaaa450000ac0001000040338dd6c633640ac000020a"
	  "040400000000100000000001aaaaaaaaaaaaaaaaaaaaaaaa4500008000010000"
	  "40338e02c633640ac000020a040400000000100000000001aaaaaaaaaaaaaaaa"
	  "aaaaaaaa450000540001000040338e2ec633640ac000020a0404000000001000"
	  "00000001aaaaaaaaaaaaaaaaaaaaaaaa450000280001000040068e87c633640a"
	  "c000020a9c400016000003e80000000050022000035c0000" },
	{ "five-ah-headers", DECODE_TOO_DEEP,
	  { 0 },
	  "450000a00001000040338de2c633640ac000020a330400000000100000000001"
	  "aaaaaaaaaaaaaaaaaaaaaaaa330400000000100000000001aaaaaaaaaaaaaaaa"
	  "aaaaaaaa330400000000100000000001aaaaaaaaaaaaaaaaaaaaaaaa33040000"
	  "0000100000000001aaaaaaaaaaaaaaaaaaaaaaaa060400000000100000000001"
	  "aaaaaaaaaaaaaaaaaaaaaaaa9c400016000003e8000000005002200000000000" },
	{ "four-ah-then-esp", DECODE_TOO_DEEP,
	  { 0 },
	  "450000a40001000040338ddec633640ac000020a330400000000100000000001"
	  "aaaaaaaaaaaaaaaaaaaaaaaa330400000000100000000001aaaaaaaaaaaaaaaa"
	  "aaaaaaaa330400000000100000000001aaaaaaaaaaaaaaaaaaaaaaaa32040000"
	  "0000100000000001aaaaaaaaaaaaaaaaaaaaaaaa000020000000000700010203"
	  "0405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223"
	  "24252627" },
	{ "five-ipv6-headers", DECODE_TOO_DEEP,
	  { 0 },
	  "600000000114334020010db800010000000000000000001020010db800020000"
	  "0000000000000010290400000000100000000001aaaaaaaaaaaaaaaaaaaaaaaa"
	  "6000000000d4334020010db800010000000000000000001020010db800020000"
	  "0000000000000010290400000000100000000001aaaaaaaaaaaaaaaaaaaaaaaa"
	  "600000000094334020010db800010000000000000000001020010db800020000"
	  "0000000000000010290400000000100000000001aaaaaaaaaaaaaaaaaaaaaaaa"
	  "600000000054334020010db800010000000000000000001020010db800020000"
	  "0000000000000010290400000000100000000001aaaaaaaaaaaaaaaaaaaaaaaa"
	  "600000000014064020010db800010000000000000000001020010db800020000"
	  "00000000000000109c400016000003e80000000050022000940f0000" },
};

#define EXPECT_EQ(c, what, got, want)                                                      \
	ck_assert_msg((long long)(got) == (long long)(want), "%s: %s is %lld, expected %lld", \
		      (c)->name, what, (long long)(got), (long long)(want))

/* Decode `len` bytes of the case from an exactly-sized heap copy (ASan sees overreads). */
static enum decode_result decode_copy(struct decode_pkt *p, const uint8_t *pkt, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	enum decode_result r;

	ck_assert(copy != NULL);
	memcpy(copy, pkt, len);
	r = decode_packet(p, copy, len);
	p->data = NULL;	/* the copy is gone; nothing may look at it after this */
	free(copy);
	return r;
}

static size_t case_bytes(const struct dcase *c, uint8_t *buf)
{
	return unit_hex(c->hex, buf, PKT_MAX);
}

static void check_ip(const struct dcase *c, const struct decode_pkt *p)
{
	const struct dexp *x = &c->x;

	EXPECT_EQ(c, "proto", p->proto, x->proto);
	EXPECT_EQ(c, "outer.version", p->outer.version, x->version);
	EXPECT_EQ(c, "outer.proto", p->outer.proto, x->proto);
	EXPECT_EQ(c, "outer.n_exthdrs", p->outer.n_exthdrs, x->n_exthdrs);
	EXPECT_EQ(c, "outer.fragment", p->outer.fragment, x->frag != FRAG_NONE);
	EXPECT_EQ(c, "outer.first_fragment", p->outer.first_fragment, x->frag != FRAG_LATER);
	EXPECT_EQ(c, "n_ipsec", p->n_ipsec, x->n_ipsec);
	if (x->n_ipsec)
		EXPECT_EQ(c, "ipsec[0].spi", p->ipsec[0].spi, x->spi);
	EXPECT_EQ(c, "has_inner_ip", p->has_inner_ip, x->inner_version != 0);
	if (x->inner_version)
		EXPECT_EQ(c, "inner.version", p->inner.version, x->inner_version);
	EXPECT_EQ(c, "ike", p->ike, x->ike);
}

static void check_l4(const struct dcase *c, const struct decode_pkt *p)
{
	const struct dexp *x = &c->x;
	const struct decode_l4 *l4 = x->l4_inner ? &p->inner_l4 : &p->outer_l4;

	EXPECT_EQ(c, "has_outer_l4", p->has_outer_l4, x->l4 && !x->l4_inner);
	EXPECT_EQ(c, "has_inner_l4", p->has_inner_l4, x->l4 && x->l4_inner);
	if (!x->l4)
		return;
	EXPECT_EQ(c, "l4.proto", l4->proto, x->l4);
	EXPECT_EQ(c, "l4.sport", l4->sport, x->sport);
	EXPECT_EQ(c, "l4.dport", l4->dport, x->dport);
	EXPECT_EQ(c, "l4.tcp_flags", l4->tcp_flags, x->tcp_flags);
	EXPECT_EQ(c, "l4.icmp_type", l4->icmp_type, x->icmp_type);
}

/* Whatever decoded OK must describe bytes inside the capture. */
static void check_views(const char *name, const struct decode_pkt *p, size_t len)
{
	const struct decode_l4 *l4[2] = { &p->outer_l4, &p->inner_l4 };
	const bool has[2] = { p->has_outer_l4, p->has_inner_l4 };
	unsigned i;

	ck_assert_msg(p->outer.off + (size_t)p->outer.total_len <= len, "%s: outer past end", name);
	ck_assert_msg(p->outer.hdr_len <= p->outer.total_len, "%s: outer hdr_len", name);
	ck_assert_msg(p->n_ipsec <= DECODE_MAX_DEPTH, "%s: n_ipsec", name);
	for (i = 0; i < p->n_ipsec; i++)
		ck_assert_msg(p->ipsec[i].off + (size_t)p->ipsec[i].hdr_len +
			      p->ipsec[i].payload_len <= len, "%s: ipsec[%u] past end", name, i);
	for (i = 0; i < 2; i++)
		ck_assert_msg(!has[i] || (l4[i]->off < l4[i]->payload_off &&
					  l4[i]->payload_off + (size_t)l4[i]->payload_len <= len),
			      "%s: l4[%u] past end", name, i);
	ck_assert_msg(!p->has_inner_ip ||
		      p->inner.off + (size_t)p->inner.total_len <= len, "%s: inner past end", name);
}

START_TEST(test_case)
{
	const struct dcase *c = &cases[_i];
	uint8_t pkt[PKT_MAX];
	struct decode_pkt p;
	size_t n = case_bytes(c, pkt);
	enum decode_result r = decode_copy(&p, pkt, n);

	ck_assert_msg(r == c->result, "%s: %s, expected %s", c->name, decode_result_name(r),
		      decode_result_name(c->result));
	EXPECT_EQ(c, "p.result", p.result, r);
	EXPECT_EQ(c, "p.len", p.len, n);
	if (r != DECODE_OK)
		return;
	check_ip(c, &p);
	check_l4(c, &p);
	check_views(c->name, &p, n);
}
END_TEST

/*
 * Every shorter capture of a valid packet is rejected: the IP length field then claims more
 * than is there, or a header is cut. Ethernet padding past the datagram may go, though.
 */
START_TEST(test_truncation)
{
	const struct dcase *c = &cases[_i];
	uint8_t pkt[PKT_MAX];
	struct decode_pkt p;
	size_t n, len, dgram;

	if (c->result != DECODE_OK)
		return;
	n = case_bytes(c, pkt);
	ck_assert(decode_copy(&p, pkt, n) == DECODE_OK);
	dgram = p.outer.total_len;
	for (len = 0; len < n; len++) {
		enum decode_result r = decode_copy(&p, pkt, len);

		if (len < dgram)
			ck_assert_msg(r != DECODE_OK, "%s cut to %zu of %zu bytes decodes OK",
				      c->name, len, n);
		else
			ck_assert_msg(r == DECODE_OK, "%s: padding cut to %zu bytes: %s", c->name,
				      len, decode_result_name(r));
	}
}
END_TEST

/* Each byte of a valid packet set to a few hostile values: any outcome, but no bad views. */
START_TEST(test_mutation)
{
	static const uint8_t values[] = { 0x00, 0x01, 0x3b, 0x7f, 0x80, 0xff };
	const struct dcase *c = &cases[_i];
	uint8_t pkt[PKT_MAX], orig;
	struct decode_pkt p;
	char label[96];
	size_t n, i, v;

	if (c->result != DECODE_OK)
		return;
	n = case_bytes(c, pkt);
	for (i = 0; i < n; i++) {
		orig = pkt[i];
		for (v = 0; v < ARRAY_SIZE(values); v++) {
			pkt[i] = values[v];
			snprintf(label, sizeof(label), "%s with byte %zu = 0x%02x", c->name, i,
				 values[v]);
			if (decode_copy(&p, pkt, n) == DECODE_OK)
				check_views(label, &p, n);
		}
		pkt[i] = orig;
	}
}
END_TEST

/* Decode the named table case into *p; buf must outlive the checks on p's offsets. */
static const struct dcase *decode_named(const char *name, struct decode_pkt *p, uint8_t *buf)
{
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		if (strcmp(cases[i].name, name))
			continue;
		n = case_bytes(&cases[i], buf);
		ck_assert_msg(decode_packet(p, buf, n) == cases[i].result, "%s: %s", name,
			      decode_result_name(p->result));
		return &cases[i];
	}
	ck_abort_msg("no case %s", name);
	return NULL;
}

static const uint8_t addr_ext4[4] = { 198, 51, 100, 10 };
static const uint8_t addr_int4[4] = { 192, 0, 2, 10 };

START_TEST(test_ah_transport_fields)
{
	uint8_t buf[PKT_MAX];
	struct decode_pkt p;
	const struct dcase *c = decode_named("ah4-tcp-ack", &p, buf);
	const struct decode_ipsec *ah = &p.ipsec[0];

	ck_assert_msg(p.data == buf && p.len == 69, "%s: data/len", c->name);
	ck_assert(!memcmp(p.outer.src.b, addr_ext4, 4) && !memcmp(p.outer.dst.b, addr_int4, 4));
	EXPECT_EQ(c, "outer.ttl", p.outer.ttl, 64);
	EXPECT_EQ(c, "outer.hdr_len", p.outer.hdr_len, 20);
	EXPECT_EQ(c, "outer.total_len", p.outer.total_len, 69);
	EXPECT_EQ(c, "ah.proto", ah->proto, DECODE_PROTO_AH);
	EXPECT_EQ(c, "ah.next_hdr", ah->next_hdr, DECODE_PROTO_TCP);
	EXPECT_EQ(c, "ah.seq", ah->seq, 1);
	EXPECT_EQ(c, "ah.off", ah->off, 20);
	EXPECT_EQ(c, "ah.hdr_len", ah->hdr_len, 24);
	EXPECT_EQ(c, "ah.icv_off", ah->icv_off, 32);
	EXPECT_EQ(c, "ah.icv_len", ah->icv_len, 12);
	EXPECT_EQ(c, "ah.payload_len", ah->payload_len, 25);
	EXPECT_EQ(c, "ah.udp_encap", ah->udp_encap, false);
	EXPECT_EQ(c, "inner_l4.off", p.inner_l4.off, 44);
	EXPECT_EQ(c, "inner_l4.payload_off", p.inner_l4.payload_off, 64);
	EXPECT_EQ(c, "inner_l4.payload_len", p.inner_l4.payload_len, 5);
}
END_TEST

START_TEST(test_ipv6_chain_fields)
{
	uint8_t buf[PKT_MAX];
	struct decode_pkt p;
	const struct dcase *c = decode_named("ipv6-chain-hbh-rt-frag-dst", &p, buf);

	EXPECT_EQ(c, "outer.hdr_len", p.outer.hdr_len, 40 + 4 * 8);
	EXPECT_EQ(c, "outer.total_len", p.outer.total_len, 40 + 4 * 8 + 12);
	EXPECT_EQ(c, "outer.ttl", p.outer.ttl, 64);
	EXPECT_EQ(c, "dst[3]", p.outer.dst.b[3], 0xb8);
	EXPECT_EQ(c, "dst[15]", p.outer.dst.b[15], 0x10);
	EXPECT_EQ(c, "outer_l4.off", p.outer_l4.off, 72);
	EXPECT_EQ(c, "outer_l4.payload_len", p.outer_l4.payload_len, 4);

	c = decode_named("ipv6-frag-later", &p, buf);
	EXPECT_EQ(c, "outer.hdr_len", p.outer.hdr_len, 48);

	/* Extension headers after AH count against the limit but are not part of hdr_len. */
	c = decode_named("ah6-dstopts-after-ah", &p, buf);
	EXPECT_EQ(c, "outer.hdr_len", p.outer.hdr_len, 40);
	EXPECT_EQ(c, "ipsec[0].next_hdr", p.ipsec[0].next_hdr, DECODE_PROTO_DSTOPTS);
	EXPECT_EQ(c, "inner_l4.off", p.inner_l4.off, 40 + 24 + 8);
}
END_TEST

START_TEST(test_tunnel_fields)
{
	static const uint8_t inner_src[4] = { 198, 51, 100, 30 };
	uint8_t buf[PKT_MAX];
	struct decode_pkt p;
	const struct dcase *c = decode_named("ah4-tunnel-ip4", &p, buf);

	EXPECT_EQ(c, "ipsec[0].next_hdr", p.ipsec[0].next_hdr, DECODE_PROTO_IPIP);
	EXPECT_EQ(c, "ipsec[0].payload_len", p.ipsec[0].payload_len, 40);
	EXPECT_EQ(c, "inner.off", p.inner.off, 44);
	EXPECT_EQ(c, "inner.hdr_len", p.inner.hdr_len, 20);
	EXPECT_EQ(c, "inner.total_len", p.inner.total_len, 40);
	EXPECT_EQ(c, "inner.proto", p.inner.proto, DECODE_PROTO_TCP);
	ck_assert_msg(!memcmp(p.inner.src.b, inner_src, 4), "%s: inner.src", c->name);
	EXPECT_EQ(c, "inner_l4.off", p.inner_l4.off, 64);

	c = decode_named("ah6-tunnel-ip6", &p, buf);
	EXPECT_EQ(c, "inner.off", p.inner.off, 64);
	EXPECT_EQ(c, "inner.proto", p.inner.proto, DECODE_PROTO_TCP);
	EXPECT_EQ(c, "inner.src[15]", p.inner.src.b[15], 0x30);
	EXPECT_EQ(c, "inner_l4.off", p.inner_l4.off, 104);

	/* Nested tunnels: inner describes the innermost header. */
	c = decode_named("ah4-nested-tunnels-max", &p, buf);
	EXPECT_EQ(c, "inner.src[0]", p.inner.src.b[0], 10);
	EXPECT_EQ(c, "inner.proto", p.inner.proto, DECODE_PROTO_AH);
	EXPECT_EQ(c, "ipsec[3].spi", p.ipsec[3].spi, 0x1003);
	EXPECT_EQ(c, "ipsec[3].next_hdr", p.ipsec[3].next_hdr, DECODE_PROTO_TCP);
}
END_TEST

START_TEST(test_ah_esp_fields)
{
	uint8_t buf[PKT_MAX];
	struct decode_pkt p;
	const struct dcase *c = decode_named("ah6-esp", &p, buf);
	const struct decode_ipsec *esp = &p.ipsec[1];

	EXPECT_EQ(c, "ipsec[0].next_hdr", p.ipsec[0].next_hdr, DECODE_PROTO_ESP);
	EXPECT_EQ(c, "esp.proto", esp->proto, DECODE_PROTO_ESP);
	EXPECT_EQ(c, "esp.next_hdr", esp->next_hdr, 0);
	EXPECT_EQ(c, "esp.off", esp->off, 64);
	EXPECT_EQ(c, "esp.spi", esp->spi, 0x2000);
	EXPECT_EQ(c, "esp.seq", esp->seq, 7);
	EXPECT_EQ(c, "esp.hdr_len", esp->hdr_len, 8);
	EXPECT_EQ(c, "esp.payload_len", esp->payload_len, 40);
	EXPECT_EQ(c, "esp.udp_encap", esp->udp_encap, false);
}
END_TEST

START_TEST(test_udp_encap_fields)
{
	uint8_t buf[PKT_MAX];
	struct decode_pkt p;
	const struct dcase *c = decode_named("udp4500-esp", &p, buf);
	const struct decode_ipsec *esp = &p.ipsec[0];

	EXPECT_EQ(c, "esp.proto", esp->proto, DECODE_PROTO_ESP);
	EXPECT_EQ(c, "esp.udp_encap", esp->udp_encap, true);
	EXPECT_EQ(c, "esp.off", esp->off, 28);
	EXPECT_EQ(c, "esp.seq", esp->seq, 9);
	EXPECT_EQ(c, "esp.hdr_len", esp->hdr_len, 8);
	EXPECT_EQ(c, "esp.payload_len", esp->payload_len, 40);
	EXPECT_EQ(c, "outer_l4.payload_off", p.outer_l4.payload_off, 28);
	EXPECT_EQ(c, "outer_l4.payload_len", p.outer_l4.payload_len, 48);

	c = decode_named("udp4500-keepalive-padded", &p, buf);
	EXPECT_EQ(c, "len", p.len, 60);
	EXPECT_EQ(c, "outer.total_len", p.outer.total_len, 29);
	EXPECT_EQ(c, "outer_l4.payload_len", p.outer_l4.payload_len, 1);
}
END_TEST

/* Bytes after the IP total length (Ethernet padding) belong to no header. */
START_TEST(test_padding_fields)
{
	uint8_t buf[PKT_MAX];
	struct decode_pkt p;
	const struct dcase *c = decode_named("ipv4-padded-tcp", &p, buf);

	EXPECT_EQ(c, "len", p.len, 60);
	EXPECT_EQ(c, "outer_l4.payload_off", p.outer_l4.payload_off, 40);
	EXPECT_EQ(c, "outer_l4.payload_len", p.outer_l4.payload_len, 0);

	c = decode_named("ah4-icmp-padded", &p, buf);
	EXPECT_EQ(c, "ipsec[0].payload_len", p.ipsec[0].payload_len, 8);
	EXPECT_EQ(c, "inner_l4.payload_len", p.inner_l4.payload_len, 4);
}
END_TEST

/*
 * A reused struct keeps no flag or count from the previous packet. The views themselves
 * (inner, inner_l4, ...) are only valid under their flags and are not cleared.
 */
START_TEST(test_reuse)
{
	uint8_t buf[PKT_MAX];
	struct decode_pkt p;
	const struct dcase *c = decode_named("ah4-tunnel-ip4", &p, buf);

	c = decode_named("ipv4-udp-dns", &p, buf);
	EXPECT_EQ(c, "n_ipsec", p.n_ipsec, 0);
	EXPECT_EQ(c, "has_inner_ip", p.has_inner_ip, false);
	EXPECT_EQ(c, "has_inner_l4", p.has_inner_l4, false);
	c = decode_named("udp4500-esp", &p, buf);
	c = decode_named("ah-len-0", &p, buf);
	EXPECT_EQ(c, "n_ipsec", p.n_ipsec, 0);
	EXPECT_EQ(c, "ike", p.ike, DECODE_IKE_NONE);
	EXPECT_EQ(c, "has_outer_l4", p.has_outer_l4, false);
	EXPECT_EQ(c, "result", p.result, DECODE_BAD_AH_LENGTH);
	ck_assert(decode_packet(&p, NULL, 0) == DECODE_TRUNCATED);
	ck_assert(p.len == 0 && p.result == DECODE_TRUNCATED);
}
END_TEST

START_TEST(test_names)
{
	static const char *const results[] = {
		"ok", "truncated", "bad-version", "bad-ihl", "bad-length", "bad-alignment",
		"bad-ah-length", "bad-tcp-offset", "bad-exthdr", "chain-too-long", "too-deep",
	};
	static const char *const ikes[] = {
		"none", "isakmp", "nat-t-ike", "esp-in-udp", "keepalive", "short",
	};
	unsigned i;

	ck_assert_uint_eq(ARRAY_SIZE(results), DECODE_RESULT_MAX);
	ck_assert_uint_eq(ARRAY_SIZE(ikes), DECODE_IKE_MAX);
	for (i = 0; i < DECODE_RESULT_MAX; i++)
		ck_assert_str_eq(decode_result_name((enum decode_result)i), results[i]);
	for (i = 0; i < DECODE_IKE_MAX; i++)
		ck_assert_str_eq(decode_ike_name((enum decode_ike)i), ikes[i]);
	ck_assert_str_eq(decode_result_name(DECODE_RESULT_MAX), "unknown");
	ck_assert_str_eq(decode_ike_name(DECODE_IKE_MAX), "unknown");
}
END_TEST

struct qcase {
	const char *name;	/* a case of the main table */
	int proto;
	uint16_t sport;
	uint16_t dport;
};

static const struct qcase quick_cases[] = {
	{ "ipv4-tcp-syn", DECODE_PROTO_TCP, 40000, 22 },
	{ "ipv4-udp-dns", DECODE_PROTO_UDP, 33333, 53 },
	{ "ipv4-options-rr", DECODE_PROTO_TCP, 40000, 22 },
	{ "ipv4-padded-udp", DECODE_PROTO_UDP, 1234, 5678 },
	{ "ipv4-frag-later", DECODE_PROTO_TCP, 0, 0 },
	{ "ipv6-tcp-ack", DECODE_PROTO_TCP, 80, 40000 },
	{ "ipv6-chain-hbh-rt-frag-dst", DECODE_PROTO_HOPOPTS, 0, 0 },
	{ "ah4-tcp-syn", DECODE_PROTO_AH, 0, 0 },
	{ "empty", -1, 0, 0 },
	{ "ipv4-header-cut", -1, 0, 0 },
	{ "version-5", -1, 0, 0 },
	{ "ihl-4", -1, 0, 0 },
	{ "ipv4-total-too-long", -1, 0, 0 },
	{ "ipv6-plen-too-long", -1, 0, 0 },
};

START_TEST(test_quick)
{
	const struct qcase *q = &quick_cases[_i];
	uint8_t buf[PKT_MAX];
	struct decode_pkt p;
	uint16_t sport = 1, dport = 1;
	size_t n = case_bytes(decode_named(q->name, &p, buf), buf);
	uint8_t *copy = malloc(n ? n : 1);
	int proto;

	ck_assert(copy != NULL);
	memcpy(copy, buf, n);
	proto = decode_quick(copy, n, &sport, &dport);
	ck_assert_msg(proto == q->proto && sport == q->sport && dport == q->dport,
		      "%s: quick gives %d %u %u, expected %d %u %u", q->name, proto, sport, dport,
		      q->proto, q->sport, q->dport);
	ck_assert_int_eq(decode_quick(copy, n, NULL, NULL), q->proto);
	free(copy);
}
END_TEST

/* What a decrypted ESP payload carries: tunnel and transport, IPv6 options, bad inner data. */
START_TEST(test_esp_payload)
{
	/* outer: IPv4 198.51.100.10 -> 192.0.2.1, ESP spi 0x2101 seq 1, opaque body */
	static const char outer[] =
		"45 00 00 30 00 01 00 00 40 32 00 00 c6 33 64 0a c0 00 02 01"
		"00 00 21 01 00 00 00 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00";
	/* inner IPv4 198.51.100.30 -> 192.0.2.30, TCP 40000 > 22 SYN */
	static const char tunnel[] =
		"45 00 00 28 00 01 00 00 40 06 00 00 c6 33 64 1e c0 00 02 1e"
		"9c 40 00 16 00 00 00 00 00 00 00 00 50 02 20 00 00 00 00 00";
	static const char udp[] = "14 e9 00 35 00 0c 00 00 01 02 03 04";
	/* IPv6 destination options (PadN) then UDP */
	static const char v6opts_udp[] = "11 00 01 04 00 00 00 00 14 e9 00 35 00 08 00 00";
	uint8_t pkt[128], in[128], in6[128];
	struct decode_pkt p;
	size_t n = unit_hex(outer, pkt, sizeof(pkt)), k;

	ck_assert_int_eq(decode_packet(&p, pkt, n), DECODE_OK);
	ck_assert(p.n_ipsec == 1 && !p.has_inner_ip && !p.has_inner_l4);
	k = unit_hex(tunnel, in, sizeof(in));
	ck_assert_int_eq(decode_esp_payload(&p, DECODE_PROTO_IPIP, in, k), DECODE_OK);
	ck_assert(p.has_inner_ip && p.has_inner_l4);
	ck_assert_uint_eq(p.inner.src.b[3], 30);
	ck_assert_uint_eq(p.inner_l4.proto, DECODE_PROTO_TCP);
	ck_assert_uint_eq(p.inner_l4.dport, 22);
	ck_assert_ptr_eq(p.data, pkt);			/* the packet view is back */
	ck_assert_uint_eq(p.outer.dst.b[3], 1);

	ck_assert_int_eq(decode_packet(&p, pkt, n), DECODE_OK);
	k = unit_hex(udp, in, sizeof(in));
	ck_assert_int_eq(decode_esp_payload(&p, DECODE_PROTO_UDP, in, k), DECODE_OK);
	ck_assert(!p.has_inner_ip && p.has_inner_l4);
	ck_assert_uint_eq(p.inner_l4.sport, 5353);
	ck_assert_uint_eq(p.inner_l4.dport, 53);
	/* A cut inner header is the decoder's refusal, not a crash. */
	ck_assert_int_eq(decode_esp_payload(&p, DECODE_PROTO_TCP, in, 6), DECODE_TRUNCATED);
	ck_assert_int_eq(decode_esp_payload(&p, DECODE_PROTO_IPIP, in, 3), DECODE_BAD_VERSION);
	/* Next header 59: a dummy packet, nothing inside. */
	ck_assert_int_eq(decode_esp_payload(&p, 59, in, k), DECODE_OK);
	ck_assert(!p.has_inner_l4);

	/* IPv6 transport with destination options under ESP. */
	{
		static const char outer6[] =
			"60 00 00 00 00 10 32 40 20 01 0d b8 00 01 00 00 00 00 00 00 00 00 00 10"
			"20 01 0d b8 00 02 00 00 00 00 00 00 00 00 00 10"
			"00 00 21 02 00 00 00 01 00 00 00 00 00 00 00 00";

		n = unit_hex(outer6, pkt, sizeof(pkt));
		ck_assert_int_eq(decode_packet(&p, pkt, n), DECODE_OK);
		k = unit_hex(v6opts_udp, in6, sizeof(in6));
		ck_assert_int_eq(decode_esp_payload(&p, DECODE_PROTO_DSTOPTS, in6, k), DECODE_OK);
		ck_assert(p.has_inner_l4 && p.inner_l4.dport == 53);
	}
}
END_TEST

Suite *decode_suite(void)
{
	Suite *s = suite_create("decode");
	TCase *tc = tcase_create("table");
	TCase *tr = tcase_create("robustness");
	TCase *tf = tcase_create("fields");

	tcase_add_loop_test(tc, test_case, 0, (int)ARRAY_SIZE(cases));
	tcase_add_loop_test(tr, test_truncation, 0, (int)ARRAY_SIZE(cases));
	tcase_add_loop_test(tr, test_mutation, 0, (int)ARRAY_SIZE(cases));
	tcase_set_timeout(tr, 60);
	tcase_add_test(tf, test_ah_transport_fields);
	tcase_add_test(tf, test_ipv6_chain_fields);
	tcase_add_test(tf, test_tunnel_fields);
	tcase_add_test(tf, test_ah_esp_fields);
	tcase_add_test(tf, test_udp_encap_fields);
	tcase_add_test(tf, test_padding_fields);
	tcase_add_test(tf, test_reuse);
	tcase_add_test(tf, test_esp_payload);
	tcase_add_test(tf, test_names);
	tcase_add_loop_test(tf, test_quick, 0, (int)ARRAY_SIZE(quick_cases));
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tr);
	suite_add_tcase(s, tf);
	return s;
}
