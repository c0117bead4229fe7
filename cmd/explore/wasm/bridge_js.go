//go:build js

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"syscall/js"

	"github.com/d2l-go/convnets/cmd/internal/explore"
	"github.com/d2l-go/convnets/cmd/internal/site"
	"github.com/d2l-go/convnets/dataset"
)

// The module's interface to its worker (assets/explore-worker.js), set as
// globalThis.goExplore:
//
//	start(manifest: Uint8Array, files: {name: Uint8Array}) -> Promise<void>
//	train(files: {name: Uint8Array}) -> Promise<void>
//	request(id, method, url, body: Uint8Array|null, onChunk: function|null)
//	    -> Promise<{status, headers: {name: value}, body: Uint8Array}>
//	cancel(id)
//
// start takes the weights and the test slice, which the first view needs; train, called
// after it, the training slice, which a run waits for. A request is answered by the explorer's Server.Answer, as the server's Handler
// answers it (without net/http, which would make the module larger); with onChunk,
// every Flush (the event stream) passes what was written since as a string, until
// cancel(id).
type bridge struct {
	mu      sync.Mutex
	server  *explore.Server
	cancels map[int]context.CancelFunc

	manifest  *site.Manifest
	trainOnce sync.Once
	trained   chan struct{} // closed when train has given trainSet or trainErr
	trainSet  *dataset.Set
	trainErr  error
}

func serveJS() {
	b := &bridge{cancels: map[int]context.CancelFunc{}, trained: make(chan struct{})}
	js.Global().Set("goExplore", js.ValueOf(map[string]any{
		"start":   js.FuncOf(b.start),
		"train":   js.FuncOf(b.train),
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
		cfg, err := site.Open(m, filesOf(m, files))
		if err != nil {
			return nil, err
		}
		cfg.LoadTrain = func() (*dataset.Set, error) {
			<-b.trained
			return b.trainSet, b.trainErr
		}
		s, err := explore.New(cfg)
		if err != nil {
			return nil, err
		}
		b.mu.Lock()
		b.server, b.manifest = s, m
		b.mu.Unlock()
		return nil, nil
	})
}

// filesOf copies the files of the manifest that the object files holds, by name.
func filesOf(m *site.Manifest, files js.Value) map[string][]byte {
	got := map[string][]byte{}
	for _, name := range m.Names() {
		if v := files.Get(name); !v.IsUndefined() {
			got[name] = bytesOf(v)
		}
	}
	return got
}

// train hands the training slice to the explorer, once, after start: a run started
// before waits for it; a bad file fails that run and rejects with its one line.
func (b *bridge) train(this js.Value, args []js.Value) any {
	files := args[0]
	return promise(func() (any, error) {
		b.mu.Lock()
		m := b.manifest
		b.mu.Unlock()
		if m == nil {
			return nil, errors.New("the explorer has not started")
		}
		b.trainOnce.Do(func() {
			b.trainSet, b.trainErr = site.OpenTrain(m, filesOf(m, files))
			close(b.trained)
		})
		return nil, b.trainErr
	})
}

func (b *bridge) request(this js.Value, args []js.Value) any {
	id, method, url, body, onChunk := args[0].Int(), args[1].String(), args[2].String(), bytesOf(args[3]), args[4]
	return promise(func() (any, error) {
		b.mu.Lock()
		srv := b.server
		ctx, cancel := context.WithCancel(context.Background())
		b.cancels[id] = cancel
		b.mu.Unlock()
		defer func() {
			b.mu.Lock()
			delete(b.cancels, id)
			b.mu.Unlock()
			cancel()
		}()
		if srv == nil {
			return nil, fmt.Errorf("%s: the explorer has not started", url)
		}
		req, err := newRequest(ctx, method, url, body)
		if err != nil {
			return nil, err
		}
		var onChunkGo func(string)
		if onChunk.Type() == js.TypeFunction {
			onChunkGo = func(s string) { onChunk.Invoke(s) }
		}
		rec, w := explore.NewRecorder(onChunkGo)
		srv.Answer(w, req)
		headers := map[string]any{}
		for k, v := range rec.Header {
			headers[k] = v
		}
		res := js.Global().Get("Uint8Array").New(rec.Body.Len())
		js.CopyBytesToJS(res, rec.Body.Bytes())
		return js.ValueOf(map[string]any{"status": rec.Status, "headers": headers, "body": res}), nil
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

// newRequest makes the page's request (a path with its query, as the page fetches
// it) the explorer's.
func newRequest(ctx context.Context, method, target string, body []byte) (*explore.Request, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", target, err)
	}
	r := &explore.Request{Method: strings.ToUpper(method), Path: u.Path, Query: u.Query(), Context: ctx}
	if body != nil {
		r.Body = bytes.NewReader(body)
	}
	return r, nil
}
