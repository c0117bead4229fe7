package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"

	"github.com/d2l-go/convnets/cmd/internal/explore"
	"github.com/d2l-go/convnets/dataset"
	"github.com/d2l-go/convnets/lenet"
)

// live serves the explorer while training (-serve): the page follows the batches, the
// curves point by point and the weights after every epoch. A nil *live does nothing,
// so the training loop calls it without checking.
type live struct {
	srv    *explore.Server
	url    string
	cancel context.CancelFunc
	served chan error
	once   sync.Once
	err    error // Serve's
}

// serveLive serves the explorer on ln (nil: -serve was not given) for c, whose run
// and history h describes, until stop or finish.
func serveLive(ctx context.Context, ln net.Listener, c *lenet.Classifier, h lenet.CheckpointHeader, test *dataset.Set, stdout io.Writer) (*live, error) {
	if ln == nil {
		return nil, nil
	}
	srv, err := explore.New(explore.Config{Weights: lenet.Snapshot(c, h), Test: test, Live: true, Source: "cmd/train, live",
		NoTrain: "cmd/train -serve shows the run it trains; to train designs from the page, run go run ./cmd/explore"})
	if err != nil {
		return nil, fmt.Errorf("-serve: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	l := &live{srv: srv, url: explore.URL(ln), cancel: cancel, served: make(chan error, 1)}
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

// point passes a new history point to the page's curves.
func (l *live) point(p lenet.Point) {
	if l != nil {
		l.srv.AddPoint(p)
	}
}

// epoch hands the page the weights of c after an epoch, described by h.
func (l *live) epoch(c *lenet.Classifier, h lenet.CheckpointHeader) error {
	if l == nil {
		return nil
	}
	if err := l.srv.SetWeights(lenet.Snapshot(c, h)); err != nil {
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
