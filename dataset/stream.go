package dataset

import (
	"bufio"
	"compress/gzip"
	"encoding/hex"
	"errors"
	"io"
)

// unwrapFormat returns the cause inside a *FormatError without a file name.
func unwrapFormat(err error) error {
	var fe *FormatError
	if errors.As(err, &fe) && fe.File == "" {
		return fe.Err
	}
	return err
}

// hashStream returns the hex SHA-256 and length of r's decompressed bytes
// (r is gunzipped when it starts with the gzip magic). More than size decompressed
// bytes is an ErrShape error, found after size+1 bytes: a gzip bomb costs no more
// than the file it claims to be.
func hashStream(r io.Reader, size int64) (string, int64, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var src io.Reader = br
	gz := false
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return "", 0, streamErr(err, true, "the gzip header")
		}
		zr.Multistream(false)
		src, gz = &gzipMembers{br: br, zr: zr}, true
	}
	h := newHash()
	n, err := io.Copy(h, io.LimitReader(src, size+1))
	if err != nil {
		return "", n, streamErr(err, gz, "the data")
	}
	if n > size {
		return "", n, formatErr("", ErrShape, "more than the %d bytes of the published file", size)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}
