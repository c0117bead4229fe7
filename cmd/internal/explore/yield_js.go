//go:build js

package explore

import "time"

// yieldToHost lets the JavaScript host run between two training batches. Go under
// WebAssembly has one thread and never preempts a goroutine: without a pause that
// blocks every goroutine, a training run would keep the host's event loop (the page's
// requests, Stop) waiting until its end. A timer returns control to the host, which
// answers what is queued, then resumes the run.
func yieldToHost() { time.Sleep(time.Millisecond) }
