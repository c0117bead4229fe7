package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"

	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/internal/explore"
	"github.com/d2l-go/convnets/lenet"
)

// live serves the explorer while training (-serve): the page follows the batches, the
// curves and the weights after every epoch. A nil *live does nothing, so the training
// loop calls it without checking.
type live struct {
	srv    *explore.Server
	base   lenet.CheckpointHeader // the run's settings, for every epoch's snapshot
	url    string
	cancel context.CancelFunc
	served chan error
	once   sync.Once
	err    error // Serve's
}

// serveLive serves the explorer on ln (nil: -serve was not given) for c, whose
// weights and history base describes, until stop or finish.
func serveLive(ctx context.Context, ln net.Listener, c *lenet.Classifier, base lenet.CheckpointHeader, test *dataset.Set, stdout io.Writer) (*live, error) {
	if ln == nil {
		return nil, nil
	}
	srv, err := explore.New(explore.Config{Weights: lenet.Snapshot(c, base), Test: test, Live: true, Source: "cmd/train, live"})
	if err != nil {
		return nil, fmt.Errorf("-serve: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	l := &live{srv: srv, base: base, url: explore.URL(ln), cancel: cancel, served: make(chan error, 1)}
	go func() { l.served <- srv.Serve(ctx, ln) }()
	fmt.Fprintf(stdout, "LeNet explorer at %s: the curves as they grow, the network after every epoch\n", l.url)
	return l, nil
}

// batch passes a finished batch to the page's progress line.
func (l *live) batch(b lenet.BatchInfo) {
	if l != nil {
		l.srv.Progress(b)
	}
}

// epoch hands the page the weights and the history h after epoch e.
func (l *live) epoch(c *lenet.Classifier, e int, h lenet.History) error {
	if l == nil {
		return nil
	}
	head := l.base
	head.Epoch, head.History = e, h
	if err := l.srv.SetWeights(lenet.Snapshot(c, head)); err != nil {
		return fmt.Errorf("-serve: %w", err)
	}
	return nil
}

// stop ends serving; calls after the first return the same error.
func (l *live) stop() error {
	if l == nil {
		return nil
	}
	l.once.Do(func() {
		l.cancel()
		l.err = <-l.served
		l.srv.Close()
	})
	return l.err
}

// finish keeps serving after training until ctx is done (Ctrl-C), so that the trained
// network can still be explored, then stops. Its note goes to stderr: the textbook's
// closing lines stay the last on stdout.
func (l *live) finish(ctx context.Context, stderr io.Writer) error {
	if l == nil {
		return nil
	}
	if ctx.Err() == nil {
		fmt.Fprintf(stderr, "train: done; the explorer stays at %s until Ctrl-C\n", l.url)
		<-ctx.Done()
	}
	return l.stop()
}
