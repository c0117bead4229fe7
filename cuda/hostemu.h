// hostemu.h: what cuda/kernels.cu needs to compile as host C++ (g++ -DKERNELS_HOST), so
// that the kernels' arithmetic can be checked without a GPU (internal/kernelhost).
//
// A launch runs each block's threads as real threads (std::thread), one per thread of
// the block, and the blocks one after another. SYNC() is a barrier over the block's
// threads, so the shared-memory reductions and the tiled product synchronise as they do
// on the GPU, and a missing SYNC() can show up as a wrong or changing result. Running
// the blocks in order is one of the schedules a GPU may choose; it cannot show a race
// between blocks, and no kernel here lets two blocks write one element.
//
// __shared__ arrays become function-local statics: one copy that every thread of the
// running block sees, as a block sees its shared memory; the next block starts only
// after every thread of the last one has finished (hostemu_main.cc).
#pragma once

#include <barrier>
#include <cmath>

namespace hostemu {

// Where the calling thread is in the running launch: threadIdx, blockIdx, blockDim
// and gridDim, x and y (every launch of the project is two-dimensional at most).
struct Place {
	unsigned tid_x, tid_y, bid_x, bid_y, bdim_x, bdim_y, gdim_x, gdim_y;
};

extern thread_local Place here;

// The barrier of the running block's threads.
extern std::barrier<>* block_barrier;

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
#define SYNC() hostemu::block_barrier->arrive_and_wait()
// g++ runs with -ffp-contract=off: a product is rounded before it is added, as
// MUL_RN makes it on the GPU.
#define MUL_RN(a, b) ((a) * (b))
