/*
 * rng.h - random numbers: xoshiro256** seeded by splitmix64.
 *
 * The trainer (initial weights, shuffles, dropout masks) and a sweep's
 * random search draw from it. Every random draw of a run
 * comes from a struct rng whose whole state is the four words below, so a
 * checkpoint saves it and a resumed run draws the same numbers. Draws are
 * made by one thread in a fixed order, never inside parallel loops.
 */
#ifndef SPOOLBOARD_RNG_H
#define SPOOLBOARD_RNG_H

#include <stddef.h>
#include <stdint.h>

struct rng {
	uint64_t s[4];
};

/* Seed from one 64-bit value (any value, 0 included). */
void rng_seed(struct rng *r, uint64_t seed);

uint64_t rng_next(struct rng *r);

/* Uniform double in [0, 1) with 53 random bits. */
double rng_uniform(struct rng *r);

/* Standard normal (Box-Muller, two uniforms per call, nothing cached). */
double rng_normal(struct rng *r);

/* Uniform integer in [0, n), unbiased; n > 0. */
uint64_t rng_below(struct rng *r, uint64_t n);

/* Fisher-Yates shuffle of idx[0..n). */
void rng_shuffle(struct rng *r, size_t *idx, size_t n);

#endif
