package gemm

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Panic messages for the programmer errors Sgemm checks (see Sgemm).
const (
	errNegDim = "gemm: negative dimension"
	errBadLdA = "gemm: bad lda (want lda >= max(1, columns of stored A))"
	errBadLdB = "gemm: bad ldb (want ldb >= max(1, columns of stored B))"
	errBadLdC = "gemm: bad ldc (want ldc >= max(1, n))"
	errShortA = "gemm: a is too short"
	errShortB = "gemm: b is too short"
	errShortC = "gemm: c is too short"
)

// threads is the worker count set by SetThreads; 0 means GOMAXPROCS.
var threads atomic.Int64

// SetThreads sets how many goroutines one Sgemm call may use. n <= 0
// restores the default, runtime.GOMAXPROCS(0) read at each call. Small
// products always run on the calling goroutine. Safe for concurrent use.
func SetThreads(n int) {
	threads.Store(int64(max(n, 0)))
}

// Threads reports the worker count Sgemm uses now (see SetThreads).
func Threads() int {
	if n := threads.Load(); n > 0 {
		return int(n)
	}
	return runtime.GOMAXPROCS(0)
}

// Kernel names the micro-kernel in use: "avx512-fma" or "avx2-fma" (amd64 assembly)
// or "generic" (portable Go: other architectures, the purego build tag, or a CPU
// without AVX2 and FMA). See Kernels and SetKernel.
func Kernel() string { return kernelNames[current()] }

// parMinWork is the smallest m*n*k (multiply-adds) worth splitting over
// goroutines; below it one goroutine is faster than the hand-off.
var parMinWork = 1 << 19

// Sgemm computes
//
//	C = alpha * op(A) * op(B) + beta * C
//
// for row-major float32 matrices, where op(X) is X, or X^T when the
// matching trans flag is set; op(A) is m x k, op(B) is k x n and C is
// m x n. lda, ldb and ldc are the row strides (elements between the starts
// of consecutive rows) of the matrices as stored: A is stored m x k (k x m
// when transA), B is stored k x n (n x k when transB). Element (i, j) of C
// is c[i*ldc+j]; nothing outside the m x n sub-matrix is written.
//
// As in the reference BLAS, C is not read when beta == 0 (NaN or Inf in C
// does not propagate), and A and B are not read when alpha == 0 or k == 0.
//
// Large products are split over up to Threads() goroutines; the result
// does not depend on the thread count except for rounding when the k
// dimension is split (products with a small C and a long k).
//
// Sgemm panics, with a message starting "gemm: ", on these programmer
// errors: m, n or k negative; lda smaller than max(1, columns of stored A);
// ldb smaller than max(1, columns of stored B); ldc smaller than max(1, n);
// and, when m and n are non-zero, a, b or c shorter than (rows-1)*ld+cols
// of the stored matrix (a and b are not checked when k == 0).
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	sgemm(Threads(), true, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// sgemm is Sgemm on up to nw goroutines, splitting the k dimension only when kSplit
// allows it.
func sgemm(nw int, kSplit, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(errNegDim)
	}
	aRows, aCols := m, k
	if transA {
		aRows, aCols = k, m
	}
	bRows, bCols := k, n
	if transB {
		bRows, bCols = n, k
	}
	if lda < max(1, aCols) {
		panic(errBadLdA)
	}
	if ldb < max(1, bCols) {
		panic(errBadLdB)
	}
	if emptyC(m, n, c, ldc) {
		return
	}
	if k == 0 || alpha == 0 {
		if k > 0 {
			checkAB(a, aRows, aCols, lda, b, bRows, bCols, ldb)
		}
		scaleC(m, n, beta, c, ldc)
		return
	}
	checkAB(a, aRows, aCols, lda, b, bRows, bCols, ldb)

	asm := useAsm()
	dot := useDot(transA, transB, m, n, k)
	if nw > 1 && m*n*k >= parMinWork {
		if parallel(nw, kSplit, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, asm, dot) {
			return
		}
	}
	ws := wsPool.Get().(*workspace)
	serial(ws, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, asm, dot)
	wsPool.Put(ws)
}

func checkAB(a []float32, aRows, aCols, lda int, b []float32, bRows, bCols, ldb int) {
	if len(a) < (aRows-1)*lda+aCols {
		panic(errShortA)
	}
	if len(b) < (bRows-1)*ldb+bCols {
		panic(errShortB)
	}
}

// A job is one parallel Sgemm call, cut into parts along one dimension.
// The caller and nw-1 pool workers take parts from a shared counter, so a
// goroutine that gets less CPU (a busy core) simply takes fewer parts.
// Which goroutine computes a part never changes the result.
type job struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int
	asm, dot       bool

	split byte // 'm', 'n' or 'k'
	step  int  // rows, columns or k indices per part (a multiple of mr, nr or 8)
	parts int
	next  atomic.Int64 // the next part to take
	wss   []*workspace // k-split: part p > 0 writes its partial C to wss[p-1].cbuf
	wg    sync.WaitGroup
}

var jobPool = sync.Pool{New: func() any { return new(job) }}

// partsPerThread: parts per goroutine, for balance on a shared machine.
const partsPerThread = 4

// kSplitMaxFloats caps the partial-C buffers of a k-split.
const kSplitMaxFloats = 4 << 20

// parallel runs the product on up to nw goroutines (the caller included)
// and reports whether it did; false means the shape does not split well.
//
// It cuts C by columns when m <= n and by rows otherwise, so that the
// smaller operand is the one every part packs again. The dot path, and
// shapes whose C has too few panels to share, cut k instead: part 0 works
// on C, the others on private partial products that are then added to C in
// part order, so the result is the same for any scheduling (but not for
// any nw). Without allowK those shapes are not split at all.
func parallel(nw int, allowK, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, asm, dot bool) bool {
	mPanels := (m + mr - 1) / mr
	nPanels := (n + nr - 1) / nr
	want := nw * partsPerThread
	var split byte
	var step int
	kSplit := func(minStep int) {
		parts := min(want, k/minStep, max(1, kSplitMaxFloats/(m*n)))
		split, step = 'k', roundUp((k+parts-1)/max(parts, 1), 8)
	}
	switch {
	case dot && !allowK:
		return false
	case dot && k >= 2*dotMinK:
		kSplit(dotMinK)
	case m <= n && nPanels >= nw:
		split, step = 'n', (nPanels+want-1)/want*nr
	case m > n && mPanels >= nw:
		split, step = 'm', (mPanels+want-1)/want*mr
	case nPanels >= nw:
		split, step = 'n', (nPanels+want-1)/want*nr
	case allowK && k >= 2*blockK:
		kSplit(blockK)
	default:
		return false
	}
	var size int
	switch split {
	case 'm':
		size = m
	case 'n':
		size = n
	default:
		size = k
	}
	parts := (size + step - 1) / step
	if parts < 2 {
		return false
	}
	nw = min(nw, parts)

	j := jobPool.Get().(*job)
	j.transA, j.transB, j.m, j.n, j.k, j.alpha, j.beta = transA, transB, m, n, k, alpha, beta
	j.a, j.b, j.c, j.lda, j.ldb, j.ldc, j.asm, j.dot = a, b, c, lda, ldb, ldc, asm, dot
	j.split, j.step, j.parts = split, step, parts
	j.next.Store(0)
	j.wss = j.wss[:0]
	if split == 'k' {
		for range parts - 1 {
			ws := wsPool.Get().(*workspace)
			if len(ws.cbuf) < m*n {
				ws.cbuf = make([]float32, m*n)
			}
			j.wss = append(j.wss, ws)
		}
	}
	startWorkers(nw - 1)
	j.wg.Add(nw - 1)
	for range nw - 1 {
		workCh <- j
	}
	j.runParts()
	j.wg.Wait()
	for _, ws := range j.wss {
		for i := range m {
			ci := c[i*ldc : i*ldc+n]
			pi := ws.cbuf[i*n : i*n+n]
			for x := range ci {
				ci[x] += pi[x]
			}
		}
		wsPool.Put(ws)
	}
	clear(j.wss)
	j.wss = j.wss[:0]
	j.a, j.b, j.c = nil, nil, nil
	jobPool.Put(j)
	return true
}

// runParts takes parts of the job until none are left.
func (j *job) runParts() {
	ws := wsPool.Get().(*workspace)
	for {
		p := int(j.next.Add(1) - 1)
		if p >= j.parts {
			break
		}
		j.run(ws, p)
	}
	wsPool.Put(ws)
}

// run computes part p of the job with workspace ws.
func (j *job) run(ws *workspace, p int) {
	lo := p * j.step
	switch j.split {
	case 'n':
		cols := min(j.step, j.n-lo)
		var b []float32
		if j.transB {
			b = j.b[lo*j.ldb:]
		} else {
			b = j.b[lo:]
		}
		serial(ws, j.transA, j.transB, j.m, cols, j.k, j.alpha, j.a, j.lda, b, j.ldb, j.beta, j.c[lo:], j.ldc, j.asm, j.dot)
	case 'm':
		rows := min(j.step, j.m-lo)
		var a []float32
		if j.transA {
			a = j.a[lo:]
		} else {
			a = j.a[lo*j.lda:]
		}
		serial(ws, j.transA, j.transB, rows, j.n, j.k, j.alpha, a, j.lda, j.b, j.ldb, j.beta, j.c[lo*j.ldc:], j.ldc, j.asm, j.dot)
	case 'k':
		kk := min(j.step, j.k-lo)
		var a, b []float32
		if j.transA {
			a = j.a[lo*j.lda:]
		} else {
			a = j.a[lo:]
		}
		if j.transB {
			b = j.b[lo:]
		} else {
			b = j.b[lo*j.ldb:]
		}
		if p == 0 {
			serial(ws, j.transA, j.transB, j.m, j.n, kk, j.alpha, a, j.lda, b, j.ldb, j.beta, j.c, j.ldc, j.asm, j.dot)
		} else {
			serial(ws, j.transA, j.transB, j.m, j.n, kk, j.alpha, a, j.lda, b, j.ldb, 0, j.wss[p-1].cbuf, j.n, j.asm, j.dot)
		}
	}
}

var (
	workCh      = make(chan *job, 64)
	workersMu   sync.Mutex
	workerCount int
)

// startWorkers makes sure at least n pool workers are running. Workers live
// for the life of the process and block on workCh when idle.
func startWorkers(n int) {
	workersMu.Lock()
	for workerCount < n {
		workerCount++
		go func() {
			for j := range workCh {
				j.runParts()
				j.wg.Done()
			}
		}()
	}
	workersMu.Unlock()
}

// emptyC checks C's stride and length for an m x n result, panicking as the products
// document, and reports whether C has no element (so that there is nothing to do).
func emptyC(m, n int, c []float32, ldc int) bool {
	if ldc < max(1, n) {
		panic(errBadLdC)
	}
	if m == 0 || n == 0 {
		return true
	}
	if len(c) < (m-1)*ldc+n {
		panic(errShortC)
	}
	return false
}
