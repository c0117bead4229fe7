package explore

import "bytes"

// Recorder is a Writer that keeps the answer in memory, for the WebAssembly explorer
// (cmd/explore/wasm), which hands it to the page as a whole; or, made with an onChunk
// function, a Writer that streams: each Flush passes on what was written since the
// last one (the event stream).
type Recorder struct {
	Header  map[string]string // the header fields set
	Status  int               // 200 unless the handler said otherwise
	Body    bytes.Buffer      // the body, less what Flush passed on
	wrote   bool
	onChunk func(string)
}

// NewRecorder returns a Recorder that keeps the answer, or streams it to onChunk when
// onChunk is not nil; its Writer is what Answer takes.
func NewRecorder(onChunk func(string)) (*Recorder, Writer) {
	r := &Recorder{Header: map[string]string{}, Status: statusOK, onChunk: onChunk}
	if onChunk != nil {
		return r, streamingRecorder{r}
	}
	return r, r
}

// SetHeader sets a header field.
func (r *Recorder) SetHeader(name, value string) { r.Header[name] = value }

// WriteHeader sets the status, once.
func (r *Recorder) WriteHeader(status int) {
	if !r.wrote {
		r.Status, r.wrote = status, true
	}
}

// Write adds to the body.
func (r *Recorder) Write(p []byte) (int, error) {
	r.WriteHeader(statusOK)
	return r.Body.Write(p)
}

// streamingRecorder is a Recorder that streams: the event stream takes only a Writer
// that can Flush.
type streamingRecorder struct{ *Recorder }

// Flush passes on the chunk written since the last one.
func (s streamingRecorder) Flush() {
	if s.Body.Len() > 0 {
		s.onChunk(s.Body.String())
		s.Body.Reset()
	}
}
