package explore

import (
	"context"
	"io"
	"net/url"
)

// Request is what the explorer's handlers read of a request: made from an
// http.Request by the server's Handler, and from the page's message by the
// WebAssembly explorer, which leaves net/http out of its module.
type Request struct {
	Method string     // GET, HEAD or POST
	Path   string     // the URL's path: /api/forward
	Query  url.Values // the URL's query
	Body   io.Reader  // nil for none
	// Context ends the request: the event stream stops when it is done.
	Context context.Context
}

// Writer takes a handler's answer: its header fields, then its status, then its body.
// A Writer that can stream (the event stream) also has a Flush method, which sends
// what was written so far.
type Writer interface {
	SetHeader(name, value string)
	WriteHeader(status int)
	Write(p []byte) (int, error)
}

// flusher is a Writer that streams.
type flusher interface {
	Flush()
}

// The statuses and methods the handlers use, as net/http names them.
const (
	statusOK                  = 200
	statusAccepted            = 202
	statusBadRequest          = 400
	statusForbidden           = 403
	statusNotFound            = 404
	statusMethodNotAllowed    = 405
	statusConflict            = 409
	statusInternalServerError = 500
	statusServiceUnavailable  = 503

	methodGet  = "GET"
	methodHead = "HEAD"
	methodPost = "POST"
)

// readBody reads r's body, at most MaxBody bytes; tooBig says there was more.
func readBody(r *Request) (body []byte, tooBig bool, err error) {
	if r.Body == nil {
		return nil, false, nil
	}
	body, err = io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if len(body) > MaxBody {
		return nil, true, nil
	}
	return body, false, err
}
