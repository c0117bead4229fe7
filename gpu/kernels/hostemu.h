// hostemu.h: what kernels.cu needs to compile as host C++ (g++ -DKERNELS_HOST), so that
// the kernels' arithmetic can be checked without a GPU (gpu/kernelhost).
//
// A launch runs on one OS thread. Each thread of a block is a fiber (a user-space
// context with its own small stack, hostemu_main.cc); the blocks run one after another.
// The driver runs every fiber of the block, in the order of their linear thread index
// (x fastest), until it calls SYNC() or returns; when all wait at a SYNC() it runs them
// all again to their next one, and so on until all have returned. So the shared-memory
// reductions and the tiled product synchronise as they do on the GPU, and the result is
// the same at every run: a missing SYNC() gives the same wrong result each time. A block
// whose threads disagree on SYNC() (some return while others wait, or they call it a
// different number of times: a hang or undefined on a GPU) stops the driver with an
// error. Threads that reach the same number of SYNC()s at different places in the code
// are not told apart. Running the blocks in order is one of the schedules a GPU may
// choose; it cannot show a race between blocks, and no kernel here lets two blocks write
// one element.
//
// __shared__ arrays become function-local statics: one copy that every thread of the
// running block sees, as a block sees its shared memory; the next block starts only
// after every thread of the last one has returned.
#pragma once

#include <cmath>

namespace hostemu {

// Where the running thread is in the running launch: threadIdx, blockIdx, blockDim
// and gridDim, x and y (every launch of the project is two-dimensional at most). The
// driver sets it before it switches to a thread.
struct Place {
	unsigned tid_x, tid_y, bid_x, bid_y, bdim_x, bdim_y, gdim_x, gdim_y;
};

extern Place here;

// sync suspends the running thread until every thread of its block has called it (or
// stops the driver if one of them returns instead).
void sync();

} // namespace hostemu

#define __global__
#define __device__
#define __shared__ static
// unsigned, as threadIdx.x and friends are under nvcc
#define TID_X (hostemu::here.tid_x)
#define TID_Y (hostemu::here.tid_y)
#define BID_X (hostemu::here.bid_x)
#define BID_Y (hostemu::here.bid_y)
#define BDIM_X (hostemu::here.bdim_x)
#define GDIM_X (hostemu::here.gdim_x)
#define SYNC() hostemu::sync()
// g++ runs with -ffp-contract=off: a product is rounded before it is added, as
// MUL_RN makes it on the GPU.
#define MUL_RN(a, b) ((a) * (b))
