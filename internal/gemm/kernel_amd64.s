//go:build amd64 && !purego

#include "textflag.h"

#define PFDIST 256

// Load the argument arg, a stride counted in floats, into r as bytes.
#define BYTESTRIDE(arg, r) \
	MOVQ arg, r; \
	SHLQ $2, r

// Clear the twelve accumulators Y0..Y11 that both kernels sum into.
#define ZERO12 \
	VXORPS Y0, Y0, Y0;   \
	VXORPS Y1, Y1, Y1;   \
	VXORPS Y2, Y2, Y2;   \
	VXORPS Y3, Y3, Y3;   \
	VXORPS Y4, Y4, Y4;   \
	VXORPS Y5, Y5, Y5;   \
	VXORPS Y6, Y6, Y6;   \
	VXORPS Y7, Y7, Y7;   \
	VXORPS Y8, Y8, Y8;   \
	VXORPS Y9, Y9, Y9;   \
	VXORPS Y10, Y10, Y10; \
	VXORPS Y11, Y11, Y11

// Two rows of one step: broadcast A values oa(AX) and ob(AX) and accumulate
// them times the B row in Y12:Y13 into c0:c1 and c2:c3.
#define FMA2ROWS(oa, ob, c0, c1, c2, c3) \
	VBROADCASTSS oa(AX), Y14;  \
	VBROADCASTSS ob(AX), Y15;  \
	VFMADD231PS  Y12, Y14, c0; \
	VFMADD231PS  Y13, Y14, c1; \
	VFMADD231PS  Y12, Y15, c2; \
	VFMADD231PS  Y13, Y15, c3

// One step of the 6x16 micro-kernel: load a 16-wide row of the B panel into
// Y12:Y13, broadcast the six A values of this k index in turn and accumulate
// into the twelve accumulators Y0..Y11 (row i uses Y(2i) and Y(2i+1)).
// AX walks the packed A panel (6 floats per step), BX the B panel (R8 bytes
// per step).
#define STEP \
	VMOVUPS (BX), Y12;                   \
	VMOVUPS 32(BX), Y13;                 \
	FMA2ROWS(0, 4, Y0, Y1, Y2, Y3);      \
	FMA2ROWS(8, 12, Y4, Y5, Y6, Y7);     \
	FMA2ROWS(16, 20, Y8, Y9, Y10, Y11);  \
	ADDQ    $24, AX;                     \
	ADDQ    R8, BX

// STEPPF is STEP plus a prefetch into L2 of the same B row PFDIST bytes
// ahead (the panel the kernel will read a few calls later). It is used when
// B is read in place, where the rows are far apart and often alias in L1.
#define STEPPF \
	PREFETCHT1 PFDIST(BX); \
	STEP

// Move R10 to the next C row (R9 bytes on) and prefetch the cache lines
// holding its 16 floats.
#define WARMNEXTROW \
	ADDQ       R9, R10;   \
	PREFETCHT0 (R10);     \
	PREFETCHT0 63(R10)

// Store row accumulators ra:rb to (DI), reading C first when beta != 0.
#define STOREROW(ra, rb) \
	VMOVUPS ra, (DI);    \
	VMOVUPS rb, 32(DI);  \
	ADDQ    R9, DI

#define STOREROWBETA(ra, rb) \
	VFMADD231PS (DI), Y15, ra;   \
	VFMADD231PS 32(DI), Y15, rb; \
	VMOVUPS     ra, (DI);        \
	VMOVUPS     rb, 32(DI);      \
	ADDQ        R9, DI

// func kernel6x16(k int, a *float32, b *float32, bstride int, c *float32, ldc int, alpha float32, beta float32, tiles int, astep int, bstep int, cstep int)
//
// Computes tiles 6x16 tiles of C. Tile t uses the 6-row packed A panel at
// a+t*astep (element (i, p) at p*6+i), the 16-column B panel at b+t*bstep
// whose rows are bstride floats apart, and the C tile at c+t*cstep:
//
//	c[i*ldc+j] = alpha * sum_{p<k} a[p*6+i]*b[p*bstride+j] + beta*c[i*ldc+j]
//
// for i < 6, j < 16, without reading c when beta == 0. The steps are in
// bytes, bstride and ldc in floats. k and tiles must be at least 1.
//
// Registers: AX, BX, DI walk the current tile's A, B and C; R12, R13, SI
// hold the tile's starting A, B and C; R11 counts tiles; CX, DX count k.
TEXT ·kernel6x16(SB), NOSPLIT, $0-88
	MOVQ a+8(FP), R12
	MOVQ b+16(FP), R13
	BYTESTRIDE(bstride+24(FP), R8)
	MOVQ c+32(FP), SI
	BYTESTRIDE(ldc+40(FP), R9)
	MOVQ tiles+56(FP), R11

tileloop:
	MOVQ R12, AX
	MOVQ R13, BX
	MOVQ SI, DI

	// Warm the six C rows while the loop runs.
	MOVQ       DI, R10
	PREFETCHT0 (R10)
	PREFETCHT0 63(R10)
	WARMNEXTROW
	WARMNEXTROW
	WARMNEXTROW
	WARMNEXTROW
	WARMNEXTROW

	ZERO12

	MOVQ k+0(FP), CX
	MOVQ CX, DX
	SHRQ $2, DX
	JZ   tail

loop4:
	STEPPF
	STEPPF
	STEPPF
	STEPPF
	DECQ DX
	JNZ  loop4

tail:
	ANDQ $3, CX
	JZ   epilogue

loop1:
	STEPPF
	DECQ CX
	JNZ  loop1

epilogue:
	VBROADCASTSS alpha+48(FP), Y14
	VMULPS       Y14, Y0, Y0
	VMULPS       Y14, Y1, Y1
	VMULPS       Y14, Y2, Y2
	VMULPS       Y14, Y3, Y3
	VMULPS       Y14, Y4, Y4
	VMULPS       Y14, Y5, Y5
	VMULPS       Y14, Y6, Y6
	VMULPS       Y14, Y7, Y7
	VMULPS       Y14, Y8, Y8
	VMULPS       Y14, Y9, Y9
	VMULPS       Y14, Y10, Y10
	VMULPS       Y14, Y11, Y11

	// beta == 0 (and not NaN): store without reading C.
	VMOVSS   beta+52(FP), X15
	VXORPS   X14, X14, X14
	VUCOMISS X14, X15
	JNE      withbeta
	JPS      withbeta

	STOREROW(Y0, Y1)
	STOREROW(Y2, Y3)
	STOREROW(Y4, Y5)
	STOREROW(Y6, Y7)
	STOREROW(Y8, Y9)
	STOREROW(Y10, Y11)
	JMP next

withbeta:
	VBROADCASTSS beta+52(FP), Y15
	STOREROWBETA(Y0, Y1)
	STOREROWBETA(Y2, Y3)
	STOREROWBETA(Y4, Y5)
	STOREROWBETA(Y6, Y7)
	STOREROWBETA(Y8, Y9)
	STOREROWBETA(Y10, Y11)

next:
	ADDQ astep+64(FP), R12
	ADDQ bstep+72(FP), R13
	ADDQ cstep+80(FP), SI
	DECQ R11
	JNZ  tileloop
	VZEROUPPER
	RET

// One row of B (at b) against the three rows of A in Y12..Y14, summed into
// c0..c2.
#define DOTCOL(b, c0, c1, c2) \
	VMOVUPS     (b)(R11*1), Y15; \
	VFMADD231PS Y15, Y12, c0;    \
	VFMADD231PS Y15, Y13, c1;    \
	VFMADD231PS Y15, Y14, c2

// Dot-product kernel for C = A * B^T when both operands are read along
// their rows (the contraction index is contiguous in both): three rows of A
// against four rows of B, with twelve 8-wide partial sums. R11 is the byte
// offset along the rows, shared by all seven row pointers.
#define DOTSTEP \
	VMOVUPS (AX)(R11*1), Y12;  \
	VMOVUPS (BX)(R11*1), Y13;  \
	VMOVUPS (CX)(R11*1), Y14;  \
	DOTCOL(DX, Y0, Y4, Y8);    \
	DOTCOL(SI, Y1, Y5, Y9);    \
	DOTCOL(DI, Y2, Y6, Y10);   \
	DOTCOL(R8, Y3, Y7, Y11);   \
	ADDQ    $32, R11

// Reduce the four accumulators ra..rd (one row of A against four rows of
// B) to four sums and store them at off(R10).
#define DOTREDUCE(ra, rb, rc, rd, xa, xb, off) \
	VHADDPS      rb, ra, ra;  \
	VHADDPS      rd, rc, rc;  \
	VHADDPS      rc, ra, ra;  \
	VEXTRACTF128 $1, ra, xb;  \
	VADDPS       xb, xa, xa;  \
	VMOVUPS      xa, off(R10)

// func dot3x4(k8 int, a0 *float32, a1 *float32, a2 *float32, b0 *float32, b1 *float32, b2 *float32, b3 *float32, out *[12]float32)
//
// out[i*4+j] = sum_{p<8*k8} ai[p]*bj[p]. k8 must be at least 1.
TEXT ·dot3x4(SB), NOSPLIT, $0-72
	MOVQ k8+0(FP), R9
	MOVQ a0+8(FP), AX
	MOVQ a1+16(FP), BX
	MOVQ a2+24(FP), CX
	MOVQ b0+32(FP), DX
	MOVQ b1+40(FP), SI
	MOVQ b2+48(FP), DI
	MOVQ b3+56(FP), R8
	MOVQ out+64(FP), R10
	XORQ R11, R11

	ZERO12

	MOVQ R9, R12
	SHRQ $1, R12
	JZ   dottail

dotloop2:
	DOTSTEP
	DOTSTEP
	DECQ R12
	JNZ  dotloop2

dottail:
	ANDQ $1, R9
	JZ   dotdone
	DOTSTEP

dotdone:
	DOTREDUCE(Y0, Y1, Y2, Y3, X0, X1, 0)
	DOTREDUCE(Y4, Y5, Y6, Y7, X4, X5, 16)
	DOTREDUCE(Y8, Y9, Y10, Y11, X8, X9, 32)
	VZEROUPPER
	RET

// func transpose8(groups int, src *float32, ld int, dst *float32)
//
// Packs eight rows of a transposed operand: for r < 8 and p < 8*groups,
// dst[p*16+r] = src[r*ld+p]. Each group transposes one 8x8 block in
// registers (unpack, shuffle, 128-bit permute) and stores its eight
// columns as 8-float rows of the 16-wide packed panel.
TEXT ·transpose8(SB), NOSPLIT, $0-32
	MOVQ groups+0(FP), CX
	MOVQ src+8(FP), SI
	BYTESTRIDE(ld+16(FP), R8)
	MOVQ dst+24(FP), DI
	LEAQ (R8)(R8*2), R9 // 3 rows
	LEAQ (SI)(R8*4), DX // row 4

tloop:
	VMOVUPS (SI), Y0
	VMOVUPS (SI)(R8*1), Y1
	VMOVUPS (SI)(R8*2), Y2
	VMOVUPS (SI)(R9*1), Y3
	VMOVUPS (DX), Y4
	VMOVUPS (DX)(R8*1), Y5
	VMOVUPS (DX)(R8*2), Y6
	VMOVUPS (DX)(R9*1), Y7

	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15

	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xEE, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xEE, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7

	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x31, Y7, Y3, Y15

	VMOVUPS Y8, (DI)
	VMOVUPS Y9, 64(DI)
	VMOVUPS Y10, 128(DI)
	VMOVUPS Y11, 192(DI)
	VMOVUPS Y12, 256(DI)
	VMOVUPS Y13, 320(DI)
	VMOVUPS Y14, 384(DI)
	VMOVUPS Y15, 448(DI)

	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $512, DI
	DECQ CX
	JNZ  tloop
	VZEROUPPER
	RET
