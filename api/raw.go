package api

import "context"

// rawBodyKey is the context key of CaptureBody.
type rawBodyKey struct{}

// CaptureBody returns a context under which the client hands fn the body of every 2xx
// answer it receives, exactly as the server sent it, before decoding it: a call that pages
// (Tasks.All), polls (Tasks.Wait, Tasks.WaitUpload) or batches (Tasks.Add) calls fn once per answer,
// in order. status is the answer's HTTP status. fn runs on the goroutine of the call; it
// may keep body but must not modify it. A command-line tool uses it to print the server's
// JSON byte for byte, fields the typed models do not know included. Error answers are not
// given to fn: their raw body is in (*Error).Body.
func CaptureBody(ctx context.Context, fn func(status int, body []byte)) context.Context {
	return context.WithValue(ctx, rawBodyKey{}, fn)
}

// captureBody gives a 2xx answer's body to the function of CaptureBody, if ctx has one.
func captureBody(ctx context.Context, status int, body []byte) {
	if fn, ok := ctx.Value(rawBodyKey{}).(func(int, []byte)); ok && fn != nil {
		fn(status, body)
	}
}
