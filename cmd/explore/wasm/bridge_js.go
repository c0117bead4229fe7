//go:build js

package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"sync"
	"syscall/js"

	"github.com/d2l-go/convnets/cmd/internal/explore"
	"github.com/d2l-go/convnets/cmd/internal/site"
)

// The module's interface to its worker (assets/explore-worker.js), set as
// globalThis.goExplore:
//
//	start(manifest: Uint8Array, files: {name: Uint8Array}) -> Promise<void>
//	request(id, method, url, body: Uint8Array|null, onChunk: function|null)
//	    -> Promise<{status, headers: {name: value}, body: Uint8Array}>
//	cancel(id)
//
// A request is answered by the explorer's http.Handler, as the server answers it;
// with onChunk, every Flush (the event stream) passes what was written since as a
// string, until cancel(id).
type bridge struct {
	mu      sync.Mutex
	handler http.Handler
	cancels map[int]context.CancelFunc
}

func serveJS() {
	b := &bridge{cancels: map[int]context.CancelFunc{}}
	js.Global().Set("goExplore", js.ValueOf(map[string]any{
		"start":   js.FuncOf(b.start),
		"request": js.FuncOf(b.request),
		"cancel":  js.FuncOf(b.cancel),
	}))
	select {} // the callbacks run on goroutines of their own
}

// promise runs f on a goroutine (a callback must not block the host's event loop)
// and settles a Promise with its result, or rejects it with an Error of its message.
func promise(f func() (any, error)) js.Value {
	var executor js.Func
	executor = js.FuncOf(func(this js.Value, args []js.Value) any {
		resolve, reject := args[0], args[1]
		go func() {
			defer executor.Release()
			v, err := f()
			if err != nil {
				reject.Invoke(js.Global().Get("Error").New(err.Error()))
				return
			}
			resolve.Invoke(v)
		}()
		return nil
	})
	return js.Global().Get("Promise").New(executor)
}

func bytesOf(v js.Value) []byte {
	if v.IsNull() || v.IsUndefined() {
		return nil
	}
	b := make([]byte, v.Get("length").Int())
	js.CopyBytesToGo(b, v)
	return b
}

func (b *bridge) start(this js.Value, args []js.Value) any {
	manifest, files := bytesOf(args[0]), args[1]
	return promise(func() (any, error) {
		m, err := site.ReadManifest(manifest)
		if err != nil {
			return nil, err
		}
		got := map[string][]byte{}
		for _, name := range m.Names() {
			if v := files.Get(name); !v.IsUndefined() {
				got[name] = bytesOf(v)
			}
		}
		cfg, err := site.Open(m, got)
		if err != nil {
			return nil, err
		}
		s, err := explore.New(cfg)
		if err != nil {
			return nil, err
		}
		b.mu.Lock()
		b.handler = s.Handler()
		b.mu.Unlock()
		return nil, nil
	})
}

func (b *bridge) request(this js.Value, args []js.Value) any {
	id, method, url, body, onChunk := args[0].Int(), args[1].String(), args[2].String(), bytesOf(args[3]), args[4]
	return promise(func() (any, error) {
		b.mu.Lock()
		h := b.handler
		ctx, cancel := context.WithCancel(context.Background())
		b.cancels[id] = cancel
		b.mu.Unlock()
		defer func() {
			b.mu.Lock()
			delete(b.cancels, id)
			b.mu.Unlock()
			cancel()
		}()
		if h == nil {
			return nil, fmt.Errorf("%s: the explorer has not started", url)
		}
		req, err := http.NewRequestWithContext(ctx, method, "http://site"+url, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		w := &recorder{header: http.Header{}, status: http.StatusOK}
		if onChunk.Type() == js.TypeFunction {
			w.onChunk = func(s string) { onChunk.Invoke(s) }
		}
		h.ServeHTTP(w, req)
		headers := map[string]any{}
		for k, v := range w.header {
			if len(v) > 0 {
				headers[k] = v[0]
			}
		}
		out := js.Global().Get("Uint8Array").New(w.body.Len())
		js.CopyBytesToJS(out, w.body.Bytes())
		return js.ValueOf(map[string]any{"status": w.status, "headers": headers, "body": out}), nil
	})
}

func (b *bridge) cancel(this js.Value, args []js.Value) any {
	b.mu.Lock()
	c := b.cancels[args[0].Int()]
	b.mu.Unlock()
	if c != nil {
		c()
	}
	return nil
}

// recorder is the http.ResponseWriter of one request: it keeps the answer, or with
// onChunk passes on what each Flush finds written (an event stream).
type recorder struct {
	header  http.Header
	status  int
	wrote   bool
	body    bytes.Buffer
	onChunk func(string)
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(p)
}

// Flush passes on the chunk written since the last one when the request streams.
func (r *recorder) Flush() {
	if r.onChunk != nil && r.body.Len() > 0 {
		r.onChunk(r.body.String())
		r.body.Reset()
	}
}
