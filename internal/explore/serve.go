package explore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// DefaultAddr is where the explorer listens unless told otherwise: this machine only.
const DefaultAddr = "127.0.0.1:8080"

// Listen opens addr ("host:port"; port 0 picks a free one) for Serve. Opening it before
// any long work (loading, training) reports an address in use at once.
func Listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", addr, err)
	}
	return ln, nil
}

// URL is the address of the page served on ln: "http://127.0.0.1:8080/". A listener on
// every interface is shown as localhost.
func URL(ln net.Listener) string {
	host, port, err := net.SplitHostPort(ln.Addr().String())
	if err != nil {
		return "http://" + ln.Addr().String() + "/"
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}

// shutdownGrace is how long Serve waits for requests in progress when it stops.
const shutdownGrace = 2 * time.Second

// Serve answers s.Handler on ln until ctx is done, then ends the event streams, waits
// briefly for requests in progress, and closes ln. It returns nil after ctx is done and
// the error of the HTTP server otherwise.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serving the explorer: %w", err)
	case <-ctx.Done():
	}
	s.stopStreams()
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("stopping the explorer: %w", err)
	}
	return nil
}
