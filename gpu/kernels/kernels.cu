// kernels.cu: the GPU versions of the project's LeNet ops (package graph, cuda build).
//
// Every kernel works on float32 NCHW or row-major data that the op's Go side has
// checked. Every parameter is 8 bytes wide (pointers, long long, double): gorgonia.org/cu
// copies kernel parameters as 64-bit words. Each kernel computes what the CPU op of the
// same name computes (graph/conv2d_fast.go, activation.go, pool.go, dense.go); the GPU
// check (gpu/scripts/gpu-check.sh) compares the two on a training step.
//
// The file builds with nvcc (-ptx) or, where no CUDA toolkit is installed, with clang
// (--cuda-device-only -nocudainc -nocudalib): it includes no CUDA header. With
// KERNELS_HOST defined, g++ compiles the same source as host C++ (hostemu.h: each
// block's threads are fibers run in a fixed order, SYNC() a barrier), which
// gpu/kernelhost runs against the CPU ops without a GPU.

#if defined(KERNELS_HOST)
#include "hostemu.h"
#elif defined(__NVCC__)
#define TID_X threadIdx.x
#define TID_Y threadIdx.y
#define BID_X blockIdx.x
#define BID_Y blockIdx.y
#define BDIM_X blockDim.x
#define GDIM_X gridDim.x
#define SYNC() asm volatile("bar.sync 0;" ::: "memory")
// a*b rounded, never fused into an FMA with a following addition
#define MUL_RN(a, b) __fmul_rn(a, b)
#else
#define __global__ __attribute__((global))
#define __device__ __attribute__((device))
#define __shared__ __attribute__((shared))
#define TID_X __nvvm_read_ptx_sreg_tid_x()
#define TID_Y __nvvm_read_ptx_sreg_tid_y()
#define BID_X __nvvm_read_ptx_sreg_ctaid_x()
#define BID_Y __nvvm_read_ptx_sreg_ctaid_y()
#define BDIM_X __nvvm_read_ptx_sreg_ntid_x()
#define GDIM_X __nvvm_read_ptx_sreg_nctaid_x()
#define SYNC() asm volatile("bar.sync 0;" ::: "memory")
#define MUL_RN(a, b) __nvvm_mul_rn_f(a, b)
#endif

typedef long long i64;

// grid-stride loop over [0, n)
#define FOR_EACH(i, n) for (i64 i = (i64)BID_X * BDIM_X + TID_X; i < (n); i += (i64)GDIM_X * BDIM_X)

// the same with 32-bit indices, for the kernels whose sizes the Go side keeps below 2^31
#define FOR_EACH32(i, n) for (int i = BID_X * BDIM_X + TID_X; i < (n); i += GDIM_X * BDIM_X)

// unravel4 splits the flat index i of a row-major (., d1, d2, d3) array into its four
// indices.
__device__ static void unravel4(int i, int d1, int d2, int d3, int* i0, int* i1, int* i2, int* i3) {
	*i3 = i % d3;
	i /= d3;
	*i2 = i % d2;
	i /= d2;
	*i1 = i % d1;
	*i0 = i / d1;
}

// Reductions use blocks of exactly RED_THREADS threads.
#define RED_THREADS 256

__device__ static float block_sum(float v, float* sh) {
	int t = TID_X;
	sh[t] = v;
	SYNC();
	for (int s = RED_THREADS / 2; s > 0; s >>= 1) {
		if (t < s) sh[t] += sh[t + s];
		SYNC();
	}
	return sh[0];
}

__device__ static float exp_approx(float x) {
	x *= 1.4426950408889634f; // log2(e)
#ifdef KERNELS_HOST
	// The host's exact 2^x; the GPU's ex2.approx differs from it by a few ulp (its
	// maximum relative error is 2^-22), which the host tests' tolerances allow for.
	return exp2f(x);
#else
	float r;
	asm("ex2.approx.f32 %0, %1;" : "=f"(r) : "f"(x));
	return r;
#endif
}

__device__ static float log_approx(float x) {
#ifdef KERNELS_HOST
	// as exp_approx: the GPU's lg2.approx differs from log2f by a few ulp
	float r = log2f(x);
#else
	float r;
	asm("lg2.approx.f32 %0, %1;" : "=f"(r) : "f"(x));
#endif
	return r * 0.6931471805599453f; // ln(2)
}

// act: kind 0 ReLU (a NaN stays NaN, as in graph/nn's ReLU), 1 Sigmoid, any other kind
// the identity.
__device__ static float act(float v, i64 kind) {
	if (kind == 0) return v > 0.0f || v != v ? v : 0.0f;
	if (kind != 1) return v;
	float z = -v < -87.3f ? -87.3f : (-v > 88.0f ? 88.0f : -v);
	return 1.0f / (1.0f + exp_approx(z));
}

// ---- convolution (cross-correlation, PyTorch's Conv2d) ----

// The geometry every convolution kernel takes: batch N, input channels C, input H x W,
// output channels K, kernel R x S, output OH x OW, padding (ph, pw), stride (sh, sw);
// 64-bit parameters (the file's rule), narrowed to 32-bit locals of the same names
// without the underscore: every LeNet-sized tensor has far fewer than 2^31 elements (the
// Go side checks), and 64-bit division is many times slower on the GPU.
#define CONV_GEOMETRY \
	i64 N_, i64 C_, i64 H_, i64 W_, i64 K_, i64 R_, i64 S_, i64 OH_, i64 OW_, \
	i64 ph_, i64 pw_, i64 sh_, i64 sw_
#define CONV_NARROW \
	int N = N_, C = C_, H = H_, W = W_, K = K_, R = R_, S = S_, OH = OH_, OW = OW_; \
	int ph = ph_, pw = pw_, sh = sh_, sw = sw_;

// y[n,k,oy,ox] = b[k] + sum_{c,r,s} x[n,c,oy*sh-ph+r, ox*sw-pw+s] * w[k,c,r,s]
__device__ static void conv_fwd_body(const float* x, const float* w, const float* b, float* y,
	CONV_GEOMETRY, i64 kind) {
	CONV_NARROW
	int total = N * K * OH * OW;
	FOR_EACH32(i, total) {
		int n, k, oy, ox;
		unravel4(i, K, OH, OW, &n, &k, &oy, &ox);
		float acc = b ? b[k] : 0.0f;
		for (int c = 0; c < C; c++) {
			const float* xp = x + (n * C + c) * H * W;
			const float* wp = w + (k * C + c) * R * S;
			for (int r = 0; r < R; r++) {
				int iy = oy * sh - ph + r;
				if (iy < 0 || iy >= H) continue;
				for (int s = 0; s < S; s++) {
					int ix = ox * sw - pw + s;
					if (ix < 0 || ix >= W) continue;
					acc += xp[iy * W + ix] * wp[r * S + s];
				}
			}
		}
		y[i] = act(acc, kind);
	}
}

extern "C" __global__ void conv_fwd(const float* x, const float* w, const float* b, float* y,
	i64 N, i64 C, i64 H, i64 W, i64 K, i64 R, i64 S, i64 OH, i64 OW, i64 ph, i64 pw, i64 sh, i64 sw) {
	conv_fwd_body(x, w, b, y, N, C, H, W, K, R, S, OH, OW, ph, pw, sh, sw, -1);
}

// conv_fwd followed by act_fwd's activation of the given kind, in one pass: LeNet's
// convolution, bias and activation in one launch.
extern "C" __global__ void conv_act_fwd(const float* x, const float* w, const float* b, float* y,
	i64 N, i64 C, i64 H, i64 W, i64 K, i64 R, i64 S, i64 OH, i64 OW, i64 ph, i64 pw, i64 sh, i64 sw, i64 kind) {
	conv_fwd_body(x, w, b, y, N, C, H, W, K, R, S, OH, OW, ph, pw, sh, sw, kind);
}

// dx[n,c,iy,ix] = sum over (k,r,s) with iy = oy*sh-ph+r, ix = ox*sw-pw+s of dy[n,k,oy,ox]*w[k,c,r,s]
extern "C" __global__ void conv_bwd_data(const float* dy, const float* w, float* dx,
	CONV_GEOMETRY) {
	CONV_NARROW
	int total = N * C * H * W;
	FOR_EACH32(i, total) {
		int n, c, iy, ix;
		unravel4(i, C, H, W, &n, &c, &iy, &ix);
		float acc = 0.0f;
		for (int k = 0; k < K; k++) {
			const float* dyp = dy + (n * K + k) * OH * OW;
			const float* wp = w + (k * C + c) * R * S;
			for (int r = 0; r < R; r++) {
				int ty = iy + ph - r;
				if (ty < 0 || ty % sh != 0) continue;
				int oy = ty / sh;
				if (oy >= OH) continue;
				for (int s = 0; s < S; s++) {
					int tx = ix + pw - s;
					if (tx < 0 || tx % sw != 0) continue;
					int ox = tx / sw;
					if (ox >= OW) continue;
					acc += dyp[oy * OW + ox] * wp[r * S + s];
				}
			}
		}
		dx[i] = acc;
	}
}

// One block per weight: dw[k,c,r,s] = sum_{n,oy,ox} x[n,c,oy*sh-ph+r,ox*sw-pw+s] * dy[n,k,oy,ox]
// Thread t visits j = t, t+256, ... of the N*OH*OW products, keeping (n, oy, ox) up to
// date by additions instead of dividing j at every step.
extern "C" __global__ void conv_bwd_filter(const float* x, const float* dy, float* dw,
	CONV_GEOMETRY) {
	__shared__ float red[RED_THREADS];
	CONV_NARROW
	int k, c, r, s;
	unravel4(BID_X, C, R, S, &k, &c, &r, &s);
	int P = OH * OW;
	int p = TID_X % P, n = TID_X / P;          // j = n*P + p
	int oy = p / OW, ox = p % OW;
	int dn = RED_THREADS / P, dp = RED_THREADS % P; // j += 256 as (n, p) += (dn, dp)
	int doy = dp / OW, dox = dp % OW;            // p += dp as (oy, ox) += (doy, dox)
	float acc = 0.0f;
	while (n < N) {
		int iy = oy * sh - ph + r, ix = ox * sw - pw + s;
		if (iy >= 0 && iy < H && ix >= 0 && ix < W)
			acc += x[((n * C + c) * H + iy) * W + ix] * dy[(n * K + k) * P + oy * OW + ox];
		n += dn;
		oy += doy;
		ox += dox;
		if (ox >= OW) { ox -= OW; oy++; }
		if (oy >= OH) { oy -= OH; n++; }
	}
	float tot = block_sum(acc, red);
	if (TID_X == 0) dw[BID_X] = tot;
}

// One block per channel: db[k] = sum_{n,p} dy[n,k,p]
extern "C" __global__ void conv_bwd_bias(const float* dy, float* db, i64 N_, i64 K_, i64 P_) {
	__shared__ float red[RED_THREADS];
	int N = N_, K = K_, P = P_;
	int k = BID_X;
	float acc = 0.0f;
	for (int n = 0; n < N; n++) {
		const float* row = dy + (n * K + k) * P;
		for (int p = TID_X; p < P; p += RED_THREADS) acc += row[p];
	}
	float tot = block_sum(acc, red);
	if (TID_X == 0) db[k] = tot;
}

// ---- activations: kind 0 ReLU, 1 Sigmoid ----

extern "C" __global__ void act_fwd(const float* x, float* y, i64 n, i64 kind) {
	FOR_EACH(i, n) y[i] = act(x[i], kind);
}

// dx from the output y and dL/dy: ReLU dy where y > 0, Sigmoid dy*y*(1-y)
extern "C" __global__ void act_bwd(const float* y, const float* dy, float* dx, i64 n, i64 kind) {
	FOR_EACH(i, n) {
		float v = y[i];
		if (kind == 0) {
			dx[i] = v > 0.0f ? dy[i] : 0.0f;
		} else {
			dx[i] = dy[i] * v * (1.0f - v);
		}
	}
}

// ---- pooling: kind 0 max (first maximum, NaN wins, padding ignored), 1 average
// (over kh*kw, padding counted as zeros) ----

__device__ static i64 pool_argmax(const float* xp, i64 W, i64 r0, i64 r1, i64 c0, i64 c1) {
	i64 arg = r0 * W + c0;
	float best = xp[arg];
	if (best != best) return arg;
	for (i64 r = r0; r < r1; r++) {
		for (i64 k = r * W + c0; k < r * W + c1; k++) {
			float v = xp[k];
			if (v != v) return k;
			if (v > best) { best = v; arg = k; }
		}
	}
	return arg;
}

extern "C" __global__ void pool_fwd(const float* x, float* y, i64 planes, i64 H, i64 W, i64 OH, i64 OW,
	i64 kh, i64 kw, i64 ph, i64 pw, i64 sh, i64 sw, i64 kind) {
	FOR_EACH(i, planes * OH * OW) {
		i64 ox = i % OW, t = i / OW;
		i64 oy = t % OH, p = t / OH;
		const float* xp = x + p * H * W;
		i64 r0 = oy * sh - ph, c0 = ox * sw - pw;
		i64 r1 = r0 + kh < H ? r0 + kh : H, c1 = c0 + kw < W ? c0 + kw : W;
		r0 = r0 > 0 ? r0 : 0;
		c0 = c0 > 0 ? c0 : 0;
		if (kind == 0) {
			y[i] = xp[pool_argmax(xp, W, r0, r1, c0, c1)];
		} else {
			float s = 0.0f;
			for (i64 r = r0; r < r1; r++)
				for (i64 c = c0; c < c1; c++) s += xp[r * W + c];
			y[i] = s * (1.0f / (float)(kh * kw));
		}
	}
}

extern "C" __global__ void pool_bwd(const float* x, const float* dy, float* dx, i64 planes, i64 H, i64 W, i64 OH, i64 OW,
	i64 kh, i64 kw, i64 ph, i64 pw, i64 sh, i64 sw, i64 kind) {
	FOR_EACH(i, planes * H * W) {
		i64 ix = i % W, t = i / W;
		i64 iy = t % H, p = t / H;
		const float* xp = x + p * H * W;
		const float* gp = dy + p * OH * OW;
		// outputs whose window holds (iy, ix): oy*sh-ph <= iy < oy*sh-ph+kh
		i64 oy0 = iy + ph - kh + 1;
		oy0 = oy0 > 0 ? (oy0 + sh - 1) / sh : 0;
		i64 oy1 = (iy + ph) / sh;
		i64 ox0 = ix + pw - kw + 1;
		ox0 = ox0 > 0 ? (ox0 + sw - 1) / sw : 0;
		i64 ox1 = (ix + pw) / sw;
		float acc = 0.0f;
		for (i64 oy = oy0; oy <= oy1 && oy < OH; oy++) {
			for (i64 ox = ox0; ox <= ox1 && ox < OW; ox++) {
				if (kind == 0) {
					i64 r0 = oy * sh - ph, c0 = ox * sw - pw;
					i64 r1 = r0 + kh < H ? r0 + kh : H, c1 = c0 + kw < W ? c0 + kw : W;
					r0 = r0 > 0 ? r0 : 0;
					c0 = c0 > 0 ? c0 : 0;
					if (pool_argmax(xp, W, r0, r1, c0, c1) == iy * W + ix) acc += gp[oy * OW + ox];
				} else {
					acc += gp[oy * OW + ox];
				}
			}
		}
		dx[i] = kind == 0 ? acc : acc * (1.0f / (float)(kh * kw));
	}
}

// ---- matrix product: C (M,N) = op(A) (M,K) · op(B) (K,N) + bias (N), row-major;
// ta: A is stored (K,M); tb: B is stored (N,K). 16x16 tiles, blocks of 16x16 threads. ----

#define TILE 16

__device__ static void gemm_body(const float* A, const float* B, const float* bias, float* Cm,
	i64 M, i64 N, i64 K, i64 ta, i64 tb, i64 kind) {
	__shared__ float As[TILE][TILE + 1];
	__shared__ float Bs[TILE][TILE + 1];
	i64 row = (i64)BID_Y * TILE + TID_Y;
	i64 col = (i64)BID_X * TILE + TID_X;
	float acc = 0.0f;
	for (i64 k0 = 0; k0 < K; k0 += TILE) {
		i64 ka = k0 + TID_X; // A tile: row `row`, column ka
		As[TID_Y][TID_X] = (row < M && ka < K) ? (ta ? A[ka * M + row] : A[row * K + ka]) : 0.0f;
		i64 kb = k0 + TID_Y; // B tile: row kb, column `col`
		Bs[TID_Y][TID_X] = (kb < K && col < N) ? (tb ? B[col * K + kb] : B[kb * N + col]) : 0.0f;
		SYNC();
		for (int k = 0; k < TILE; k++) acc += As[TID_Y][k] * Bs[k][TID_X];
		SYNC();
	}
	if (row < M && col < N) Cm[row * N + col] = act(acc + (bias ? bias[col] : 0.0f), kind);
}

extern "C" __global__ void gemm(const float* A, const float* B, const float* bias, float* Cm,
	i64 M, i64 N, i64 K, i64 ta, i64 tb) {
	gemm_body(A, B, bias, Cm, M, N, K, ta, tb, -1);
}

// gemm followed by act_fwd's activation of the given kind: a dense layer, its bias and
// its activation in one launch.
extern "C" __global__ void gemm_act(const float* A, const float* B, const float* bias, float* Cm,
	i64 M, i64 N, i64 K, i64 ta, i64 tb, i64 kind) {
	gemm_body(A, B, bias, Cm, M, N, K, ta, tb, kind);
}

// db[j] = sum_i dy[i, j] for dy (M, N)
extern "C" __global__ void colsum(const float* dy, float* db, i64 M, i64 N) {
	FOR_EACH(j, N) {
		float acc = 0.0f;
		for (i64 i = 0; i < M; i++) acc += dy[i * N + j];
		db[j] = acc;
	}
}

// ---- the device-resident training step (docs/gpu-step.md) ----

// A training batch from the data set kept on the device: x (B, 1, rows, cols) gets the
// pixels of images perm[start], ..., perm[start+n-1] (px bytes each) through scale, the
// CPU's table of p/255 (so the values are the host's to the bit), t (B, k) their one-hot
// targets and w (B) the weight of each row; rows n to B-1 are zeros, as the host's
// batches pad a short last batch.
extern "C" __global__ void gather_batch(const unsigned char* images, const unsigned char* labels,
	const i64* perm, i64 start, const float* scale, float* x, float* t, float* w,
	i64 n, i64 B, i64 px, i64 k, double weight) {
	FOR_EACH(i, B * px) {
		i64 r = i / px;
		x[i] = r < n ? scale[images[perm[start + r] * px + i % px]] : 0.0f;
	}
	FOR_EACH(i, B * k) {
		i64 r = i / k;
		t[i] = r < n && labels[perm[start + r]] == i % k ? 1.0f : 0.0f;
	}
	FOR_EACH(i, B) w[i] = i < n ? (float)weight : 0.0f;
}

// The SGD step p <- p - lr*g over every parameter in one launch. table holds ntensors
// rows of four words: the parameter's and its gradient's device addresses, the offset
// of its first value among all total values, and its length. The product is rounded
// before the subtraction (MUL_RN), as the host's axpy computes p + (-lr)*g.
extern "C" __global__ void sgd_update(const i64* table, i64 ntensors, i64 total, double lr) {
	float l = (float)lr;
	i64 t = 0;
	FOR_EACH(i, total) {
		while (t + 1 < ntensors && i >= table[4 * (t + 1) + 2]) t++; // i only grows
		float* p = (float*)table[4 * t];
		const float* g = (const float*)table[4 * t + 1];
		i64 j = i - table[4 * t + 2];
		p[j] = p[j] - MUL_RN(l, g[j]);
	}
}

// Softmax cross-entropy of logits z (n, k) against targets t (n, k) with row weights w
// (n), as graph/nn's SoftmaxCrossEntropy, and its gradient dz = w_i (softmax(z_i) sum_j
// t_ij - t_ij) when dz is not null. acc[0] += the loss, acc[1] += the rows of nonzero
// weight whose first maximum is at their target's first maximum (the correct count), so
// that the host reads both once per epoch. One block of RED_THREADS threads, a row per
// thread: the sums are in a fixed order, so the result is the same at every run.
extern "C" __global__ void xent_step(const float* z, const float* t, const float* w, float* dz, double* acc,
	i64 n, i64 k) {
	__shared__ float red[RED_THREADS];
	float loss = 0.0f, correct = 0.0f;
	for (i64 i = TID_X; i < n; i += RED_THREADS) {
		const float* zi = z + i * k;
		const float* ti = t + i * k;
		i64 am = 0, at = 0;
		for (i64 j = 1; j < k; j++) {
			if (zi[j] > zi[am]) am = j;
			if (ti[j] > ti[at]) at = j;
		}
		float m = zi[am], s = 0.0f, tsum = 0.0f, dot = 0.0f;
		for (i64 j = 0; j < k; j++) {
			s += exp_approx(zi[j] - m);
			tsum += ti[j];
			dot += ti[j] * zi[j];
		}
		float lse = m + log_approx(s);
		if (w[i] != 0.0f) {
			loss += w[i] * (lse * tsum - dot);
			correct += am == at ? 1.0f : 0.0f;
		}
		if (dz)
			for (i64 j = 0; j < k; j++)
				dz[i * k + j] = w[i] == 0.0f ? 0.0f : w[i] * (exp_approx(zi[j] - lse) * tsum - ti[j]);
	}
	float ls = block_sum(loss, red);
	SYNC(); // every thread has read red[0] before it is reused
	float cs = block_sum(correct, red);
	if (TID_X == 0) {
		acc[0] += ls;
		acc[1] += cs;
	}
}
