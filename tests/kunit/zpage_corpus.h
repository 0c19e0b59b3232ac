/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The memcompress KUnit corpus: one page of each kind of memory the issue
 * names, built the same way on every run (fixed seeds) so the sizes the
 * codec suite prints can be compared between runs and level tables.
 */
#ifndef _SOV_ZPAGE_CORPUS_H
#define _SOV_ZPAGE_CORPUS_H

#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/prandom.h>
#include <linux/string.h>

#include "../../kmod/zpage/codec.h"

enum zcorpus_kind {
	ZC_ZERO,
	ZC_BYTE,	/* one repeated byte */
	ZC_WORD,	/* one repeated 8-byte pattern */
	ZC_TEXT,	/* English prose, varied */
	ZC_CODE,	/* a page of this kernel's own text */
	ZC_RANDOM,
	ZC_RAND11,	/* random with zero runs: ~11% compressible */
	__ZC_CNT
};

static const char * const zcorpus_names[__ZC_CNT] = {
	[ZC_ZERO]	= "zero",
	[ZC_BYTE]	= "byte",
	[ZC_WORD]	= "word8",
	[ZC_TEXT]	= "text",
	[ZC_CODE]	= "code",
	[ZC_RANDOM]	= "random",
	[ZC_RAND11]	= "rand11",
};

static const char * const zcorpus_words[] = {
	"the", "page", "was", "written", "to", "memory", "and", "later", "read",
	"back", "by", "a", "process", "that", "had", "no", "idea", "where", "it",
	"lived", "in", "between;", "compression", "keeps", "more", "of", "them",
	"close", "at", "hand,", "while", "the", "disk", "waits", "far", "away.",
	"Every", "swap", "device", "is", "slower", "than", "RAM", "but", "faster",
	"than", "nothing", "at", "all", "when", "pressure", "rises.",
};

/* Fill @page with corpus page @kind; @seed varies text and random pages. */
static inline void zcorpus_fill(void *page, enum zcorpus_kind kind, u64 seed)
{
	struct rnd_state rnd;
	u64 *w = page;
	u8 *b = page;
	size_t i, off;

	prandom_seed_state(&rnd, 0x50feed + seed);
	switch (kind) {
	case ZC_ZERO:
		memset(page, 0, PAGE_SIZE);
		break;
	case ZC_BYTE:
		memset(page, 0x5a + (u8)seed, PAGE_SIZE);
		break;
	case ZC_WORD:
		for (i = 0; i < PAGE_SIZE / 8; i++)
			w[i] = 0x0123456789abcdefULL + seed;
		break;
	case ZC_TEXT:
		/* Words in a seeded order, so the text repeats only loosely. */
		for (off = 0; off < PAGE_SIZE;) {
			const char *word = zcorpus_words[prandom_u32_state(&rnd) %
							 ARRAY_SIZE(zcorpus_words)];
			size_t n = min(strlen(word), PAGE_SIZE - off);

			memcpy(b + off, word, n);
			off += n;
			if (off < PAGE_SIZE)
				b[off++] = (prandom_u32_state(&rnd) % 11) ? ' ' : '\n';
		}
		break;
	case ZC_CODE:
		/* The page this function's code sits in. */
		memcpy(page, (const void *)((unsigned long)&sov_zcodec_compress & PAGE_MASK),
		       PAGE_SIZE);
		b[0] ^= (u8)seed;
		break;
	case ZC_RANDOM:
		prandom_bytes_state(&rnd, page, PAGE_SIZE);
		break;
	case ZC_RAND11:
		/* fio's buffer_compress_percentage=11: zeros in every 512 bytes. */
		prandom_bytes_state(&rnd, page, PAGE_SIZE);
		for (off = 0; off < PAGE_SIZE; off += 512)
			memset(b + off, 0, 512 * 11 / 100);
		break;
	default:
		break;
	}
}

#endif /* _SOV_ZPAGE_CORPUS_H */
