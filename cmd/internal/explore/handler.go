//go:build !js

package explore

import "net/http"

// Handler returns the page and the API as an http.Handler: each request answered by
// Answer.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := &Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Body: r.Body, Context: r.Context()}
		hw := httpWriter{w}
		if fl, ok := w.(http.Flusher); ok {
			s.Answer(flushingWriter{hw, fl}, req)
			return
		}
		s.Answer(hw, req)
	})
}

// httpWriter is a Writer on an http.ResponseWriter.
type httpWriter struct{ http.ResponseWriter }

func (w httpWriter) SetHeader(name, value string) { w.Header().Set(name, value) }

// flushingWriter is a Writer on an http.ResponseWriter that streams.
type flushingWriter struct {
	httpWriter
	fl http.Flusher
}

func (w flushingWriter) Flush() { w.fl.Flush() }
