package gemm

// packA copies the mc x kc block of op(A) whose top-left element is a[0]
// into dst as ceil(mc/mr) panels of mr rows. Panel q holds rows q*mr.. and
// starts at dst[q*mr*kc]; within a panel, element (i, p) is at p*mr+i.
// Rows past mc are zero so the micro-kernel can always compute mr rows.
//
// op(A)(i, p) is a[i*lda+p] when !trans and a[p*lda+i] when trans.
func packA(dst []float32, trans bool, a []float32, lda, mc, kc int) {
	for i0 := 0; i0 < mc; i0 += mr {
		rows := min(mr, mc-i0)
		d := dst[i0*kc : i0*kc+mr*kc]
		switch {
		case !trans && rows == mr:
			r0 := a[(i0+0)*lda:][:kc]
			r1 := a[(i0+1)*lda:][:kc]
			r2 := a[(i0+2)*lda:][:kc]
			r3 := a[(i0+3)*lda:][:kc]
			r4 := a[(i0+4)*lda:][:kc]
			r5 := a[(i0+5)*lda:][:kc]
			for p := range kc {
				q := (*[mr]float32)(d[p*mr:])
				q[0], q[1], q[2], q[3], q[4], q[5] = r0[p], r1[p], r2[p], r3[p], r4[p], r5[p]
			}
		case trans && rows == mr:
			for p := range kc {
				s := (*[mr]float32)(a[p*lda+i0:])
				*(*[mr]float32)(d[p*mr:]) = *s
			}
		case !trans:
			clear(d)
			for i := range rows {
				r := a[(i0+i)*lda:][:kc]
				for p, v := range r {
					d[p*mr+i] = v
				}
			}
		default:
			clear(d)
			for p := range kc {
				copy(d[p*mr:p*mr+rows], a[p*lda+i0:][:rows])
			}
		}
	}
}

// packB copies the kc x nc block of op(B) whose top-left element is b[0]
// into dst as ceil(nc/nr) panels of nr columns. Panel q holds columns
// q*nr.. and starts at dst[q*nr*kc]; within a panel, element (p, j) is at
// p*nr+j. Columns past nc are zero.
//
// op(B)(p, j) is b[p*ldb+j] when !trans and b[j*ldb+p] when trans.
func packB(dst []float32, trans bool, b []float32, ldb, kc, nc int, asm bool) {
	if !trans {
		packBNN(dst, b, ldb, kc, nc/nr)
	}
	for j0 := 0; j0 < nc; j0 += nr {
		cols := min(nr, nc-j0)
		d := dst[j0*kc : j0*kc+nr*kc]
		switch {
		case !trans && cols == nr:
			// Packed above by packBNN.
		case trans && cols == nr:
			packBTrans16(d, b[j0*ldb:], ldb, kc, asm)
		case !trans:
			clear(d)
			for p := range kc {
				copy(d[p*nr:p*nr+cols], b[p*ldb+j0:][:cols])
			}
		default:
			clear(d)
			for j := range cols {
				r := b[(j0+j)*ldb:][:kc]
				for p, v := range r {
					d[p*nr+j] = v
				}
			}
		}
	}
}

// packBTrans16 transposes 16 rows of b (each kc long, ldb apart) into one
// packed panel: d[p*16+j] = b[j*ldb+p]. With asm, blocks of eight p go
// through the AVX2 8x8 transpose.
func packBTrans16(d, b []float32, ldb, kc int, asm bool) {
	p0 := 0
	if asm && kc >= 8 {
		g := kc / 8
		_ = b[15*ldb+8*g-1]
		_ = d[(8*g-1)*nr+nr-1]
		transpose8(g, &b[0], ldb, &d[0])
		transpose8(g, &b[8*ldb], ldb, &d[8])
		p0 = 8 * g
	}
	if p0 == kc {
		return
	}
	// Four rows at a time keeps four read streams and one write stream.
	for j := 0; j < nr; j += 4 {
		r0 := b[(j+0)*ldb:][:kc]
		r1 := b[(j+1)*ldb:][:kc]
		r2 := b[(j+2)*ldb:][:kc]
		r3 := b[(j+3)*ldb:][:kc]
		for p := p0; p < kc; p++ {
			q := (*[4]float32)(d[p*nr+j:])
			q[0], q[1], q[2], q[3] = r0[p], r1[p], r2[p], r3[p]
		}
	}
}

// packBNN packs the first panels full 16-column panels of a non-transposed
// B block. It walks B four rows at a time along the rows, so reads stream
// (B's rows are often a multiple of 4 KiB apart, which defeats both the L1
// sets and the hardware prefetcher when one reads down a column) and each
// panel receives four whole cache lines at a time.
func packBNN(dst, b []float32, ldb, kc, panels int) {
	p := 0
	for ; p+4 <= kc; p += 4 {
		r0 := b[p*ldb:][: panels*nr : panels*nr]
		r1 := b[(p+1)*ldb:][: panels*nr : panels*nr]
		r2 := b[(p+2)*ldb:][: panels*nr : panels*nr]
		r3 := b[(p+3)*ldb:][: panels*nr : panels*nr]
		for q := range panels {
			d := dst[q*nr*kc+p*nr:][: 4*nr : 4*nr]
			s := q * nr
			copy16(d[0:nr], r0[s:s+nr])
			copy16(d[nr:2*nr], r1[s:s+nr])
			copy16(d[2*nr:3*nr], r2[s:s+nr])
			copy16(d[3*nr:4*nr], r3[s:s+nr])
		}
	}
	for ; p < kc; p++ {
		r := b[p*ldb:][: panels*nr : panels*nr]
		for q := range panels {
			copy16(dst[q*nr*kc+p*nr:][:nr], r[q*nr:q*nr+nr])
		}
	}
}

// copy16 copies 16 floats as four 16-byte moves (a [16]float32 assignment
// would call memmove).
func copy16(d, s []float32) {
	d, s = d[:16:16], s[:16:16]
	*(*[4]float32)(d[0:]) = *(*[4]float32)(s[0:])
	*(*[4]float32)(d[4:]) = *(*[4]float32)(s[4:])
	*(*[4]float32)(d[8:]) = *(*[4]float32)(s[8:])
	*(*[4]float32)(d[12:]) = *(*[4]float32)(s[12:])
}
