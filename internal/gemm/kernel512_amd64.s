//go:build amd64 && !purego

#include "textflag.h"

// The AVX-512 micro-kernel: the AVX2 kernel's 6x16 tiles and arithmetic (each element
// summed over p in order by fused multiply-adds from zero, scaled by alpha, merged as
// c*beta + that when beta != 0), so the same bits, with one 16-wide register per tile
// row. Two tiles are computed per pass, twelve accumulators in all, enough independent
// FMAs to keep two 512-bit units busy.

// One k step of one tile: the B row in zb times the six A values at a+0..a+20, each
// broadcast from memory, accumulated into c0..c5.
#define FMA6(a0, a1, a2, a3, a4, a5, zb, c0, c1, c2, c3, c4, c5) \
	VFMADD231PS.BCST a0, zb, c0; \
	VFMADD231PS.BCST a1, zb, c1; \
	VFMADD231PS.BCST a2, zb, c2; \
	VFMADD231PS.BCST a3, zb, c3; \
	VFMADD231PS.BCST a4, zb, c4; \
	VFMADD231PS.BCST a5, zb, c5

// One k step of two tiles: the first tile's A at (AX) and B row at (BX), the second's
// A R10 (astep) and B DX (bstep) bytes further on.
#define STEP2 \
	VMOVUPS (BX), Z12; \
	VMOVUPS (BX)(DX*1), Z13; \
	FMA6(0(AX), 4(AX), 8(AX), 12(AX), 16(AX), 20(AX), Z12, Z0, Z1, Z2, Z3, Z4, Z5); \
	FMA6(0(AX)(R10*1), 4(AX)(R10*1), 8(AX)(R10*1), 12(AX)(R10*1), 16(AX)(R10*1), 20(AX)(R10*1), Z13, Z6, Z7, Z8, Z9, Z10, Z11); \
	ADDQ $24, AX; \
	ADDQ R8, BX

#define STEP1 \
	VMOVUPS (BX), Z12; \
	FMA6(0(AX), 4(AX), 8(AX), 12(AX), 16(AX), 20(AX), Z12, Z0, Z1, Z2, Z3, Z4, Z5); \
	ADDQ $24, AX; \
	ADDQ R8, BX

#define ZERO(z) VPXORD z, z, z

#define SCALE6(c0, c1, c2, c3, c4, c5) \
	VMULPS Z14, c0, c0; \
	VMULPS Z14, c1, c1; \
	VMULPS Z14, c2, c2; \
	VMULPS Z14, c3, c3; \
	VMULPS Z14, c4, c4; \
	VMULPS Z14, c5, c5

// Store the six rows c0..c5 of a tile from DI on, rows R9 bytes apart; with beta (in
// Z15) each row becomes c*beta + row first.
#define STORE6(c0, c1, c2, c3, c4, c5) \
	VMOVUPS c0, (DI); ADDQ R9, DI; \
	VMOVUPS c1, (DI); ADDQ R9, DI; \
	VMOVUPS c2, (DI); ADDQ R9, DI; \
	VMOVUPS c3, (DI); ADDQ R9, DI; \
	VMOVUPS c4, (DI); ADDQ R9, DI; \
	VMOVUPS c5, (DI)

#define ROWBETA(z) \
	VFMADD231PS (DI), Z15, z; \
	VMOVUPS     z, (DI); \
	ADDQ        R9, DI

#define STORE6BETA(c0, c1, c2, c3, c4, c5) \
	ROWBETA(c0); ROWBETA(c1); ROWBETA(c2); ROWBETA(c3); ROWBETA(c4); ROWBETA(c5)

// Set the flags for "beta != 0": ZF clear or PF set (NaN) means beta is to be used.
#define TESTBETA \
	VMOVSS   beta+52(FP), X12; \
	VXORPS   X13, X13, X13; \
	VUCOMISS X13, X12

// func kernel6x16x512(k int, a *float32, b *float32, bstride int, c *float32, ldc int, alpha float32, beta float32, tiles int, astep int, bstep int, cstep int)
//
// kernel6x16 with AVX-512 (see kernel_amd64.go). Registers: R12, R13, SI hold the
// current tile's A, B and C; AX, BX walk A and B; R10, DX are astep and bstep; R11
// counts the tiles left, CX the k steps.
TEXT ·kernel6x16x512(SB), NOSPLIT, $0-88
	MOVQ a+8(FP), R12
	MOVQ b+16(FP), R13
	MOVQ bstride+24(FP), R8
	SHLQ $2, R8
	MOVQ c+32(FP), SI
	MOVQ ldc+40(FP), R9
	SHLQ $2, R9
	MOVQ tiles+56(FP), R11
	MOVQ astep+64(FP), R10
	MOVQ bstep+72(FP), DX
	VBROADCASTSS alpha+48(FP), Z14
	VBROADCASTSS beta+52(FP), Z15

tileloop:
	CMPQ R11, $2
	JLT  single
	MOVQ R12, AX
	MOVQ R13, BX
	ZERO(Z0)
	ZERO(Z1)
	ZERO(Z2)
	ZERO(Z3)
	ZERO(Z4)
	ZERO(Z5)
	ZERO(Z6)
	ZERO(Z7)
	ZERO(Z8)
	ZERO(Z9)
	ZERO(Z10)
	ZERO(Z11)
	MOVQ k+0(FP), CX

pairloop:
	STEP2
	DECQ CX
	JNZ  pairloop

	SCALE6(Z0, Z1, Z2, Z3, Z4, Z5)
	SCALE6(Z6, Z7, Z8, Z9, Z10, Z11)
	TESTBETA
	JNE pairbeta
	JPS pairbeta
	MOVQ SI, DI
	STORE6(Z0, Z1, Z2, Z3, Z4, Z5)
	MOVQ SI, DI
	ADDQ cstep+80(FP), DI
	STORE6(Z6, Z7, Z8, Z9, Z10, Z11)
	JMP  pairnext

pairbeta:
	MOVQ SI, DI
	STORE6BETA(Z0, Z1, Z2, Z3, Z4, Z5)
	MOVQ SI, DI
	ADDQ cstep+80(FP), DI
	STORE6BETA(Z6, Z7, Z8, Z9, Z10, Z11)

pairnext:
	ADDQ R10, R12
	ADDQ R10, R12
	ADDQ DX, R13
	ADDQ DX, R13
	MOVQ cstep+80(FP), DI
	ADDQ DI, SI
	ADDQ DI, SI
	SUBQ $2, R11
	JNZ  tileloop
	JMP  done

single:
	MOVQ R12, AX
	MOVQ R13, BX
	ZERO(Z0)
	ZERO(Z1)
	ZERO(Z2)
	ZERO(Z3)
	ZERO(Z4)
	ZERO(Z5)
	MOVQ k+0(FP), CX

singleloop:
	STEP1
	DECQ CX
	JNZ  singleloop

	SCALE6(Z0, Z1, Z2, Z3, Z4, Z5)
	MOVQ SI, DI
	TESTBETA
	JNE singlebeta
	JPS singlebeta
	STORE6(Z0, Z1, Z2, Z3, Z4, Z5)
	JMP done

singlebeta:
	STORE6BETA(Z0, Z1, Z2, Z3, Z4, Z5)

done:
	VZEROUPPER
	RET
