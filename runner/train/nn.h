/*
 * nn.h - the scalar type of the numerical code.
 *
 * Kernels, layers, the model and the losses are written against `real`,
 * which is float in the program. The gradient-check tests compile the same
 * sources with -DNN_DOUBLE, where real is double and the kernels use their
 * portable path, so finite differences can be compared tightly.
 *
 * Tensors are row-major arrays of real; each function's comment gives the
 * shapes, e.g. x is (B, T, I): batch, time step, input feature.
 */
#ifndef SPOOLBOARD_NN_H
#define SPOOLBOARD_NN_H

#ifdef NN_DOUBLE
typedef double real;
#else
typedef float real;
#endif

#endif
