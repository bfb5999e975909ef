package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"

	"github.com/lobstr-go/lobstr/gen"
	"github.com/lobstr-go/lobstr/gen/models"
)

// ValidHash reports whether s can be a task or upload hash: 32 lowercase hexadecimal
// characters. The official CLI refuses partial hashes too.
func ValidHash(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func checkHash(op, arg, s string) error {
	if !ValidHash(s) {
		if s == "" {
			return argError(op, arg, "empty; want 32 lowercase hexadecimal characters")
		}
		return argError(op, arg, "%q is not 32 lowercase hexadecimal characters", clip(s, 40))
	}
	return nil
}

// Get returns the task with the given hash (Get Task). A hash that cannot be a task
// hash is refused before any request; an unknown one is an *Error for which IsNotFound is
// true. Retried on network errors, 429 and 5xx.
func (s *TasksService) Get(ctx context.Context, hash string) (*Task, error) {
	c := s.client
	const op = "Tasks.Get"
	if err := checkHash(op, "hash", hash); err != nil {
		return nil, err
	}
	return send(ctx, c, request{op: op, retryable: true, build: func(base string) (*http.Request, error) {
		if req := c.hashReqs.get("tasks/", hash, ""); req != nil {
			return req, nil
		}
		return gen.NewGetTaskRequest(base, hash)
	}}, "a task (no hash_value)", func(t *Task) bool { return t.HashValue != "" })
}

// ListTasksOptions selects a page of a squid's tasks.
type ListTasksOptions struct {
	Squid string // required
	Type  string // "url" (server default) or "params"
	Page  int    // 1-based; 0 means the first page
	Limit int    // 1..100; 0 means the server's default (50)
}

// MaxPageSize is the largest page List Tasks serves.
const MaxPageSize = 100

func (o ListTasksOptions) params(op string) (*models.ListTasksParams, error) {
	if o.Squid == "" {
		return nil, argError(op, "Squid", "empty; a squid id is required")
	}
	p := &models.ListTasksParams{Squid: o.Squid}
	switch o.Type {
	case "":
	case "url", "params":
		t := models.ListTasksParamsType(o.Type)
		p.Type = &t
	default:
		return nil, argError(op, "Type", "%q; want \"url\" or \"params\"", clip(o.Type, 40))
	}
	if o.Page < 0 {
		return nil, argError(op, "Page", "%d; want 1 or more (0 for the first page)", o.Page)
	}
	if o.Page > 0 {
		p.Page = &o.Page
	}
	if o.Limit < 0 || o.Limit > MaxPageSize {
		return nil, argError(op, "Limit", "%d; want 1 to %d (0 for the server's default)", o.Limit, MaxPageSize)
	}
	if o.Limit > 0 {
		p.Limit = &o.Limit
	}
	return p, nil
}

// List returns one page of a squid's tasks (List Tasks). Use Tasks.All to walk every page.
func (s *TasksService) List(ctx context.Context, opts ListTasksOptions) (*TaskPage, error) {
	c := s.client
	const op = "Tasks.List"
	params, err := opts.params(op)
	if err != nil {
		return nil, err
	}
	return send(ctx, c, request{op: op, retryable: true, build: func(base string) (*http.Request, error) {
		return gen.NewListTasksRequest(base, params)
	}}, "a page of tasks (no data)", func(p *TaskPage) bool { return p.Data != nil })
}

// All walks every task of a squid, page after page from opts.Page (the first page when
// 0), fetching each page only when the consumer reaches it. It stops when the consumer
// stops: no request is made after a break. On failure it yields the error once, with a zero
// TaskSummary, and ends.
//
// The walk trusts the server only so far (the contract every All method shares):
//   - It always ends: it asks no page beyond the last one the first answer announced, and it
//     stops at the first page that is empty, short, or has no next page.
//   - It never yields the same task twice (tasks are told apart by id).
//   - An answer for another page than the one asked for ends it with an error wrapping
//     ErrInconsistentPage.
//   - When it ends having seen fewer tasks than the server's total_results counts (from
//     opts.Page on), its last yield is an *IncompleteError saying how many of how many.
//
// Pages are numbered, so tasks added or deleted during the walk shift the pages under it: a
// task added before the page being read pushes later ones a page further, where they are
// seen again and skipped; a task deleted before it pulls a later one back onto a page
// already read, and that one is missed. A shortfall ends the walk with an *IncompleteError
// (Changed is true when the count moved); a deletion and an addition that cancel out go
// unnoticed. Walk again, or walk while nobody changes the squid, for a complete list.
//
//	for task, err := range c.Tasks.All(ctx, api.ListTasksOptions{Squid: squid, Limit: 100}) {
//		if err != nil { return err }
//		fmt.Println(task.Id)
//	}
func (s *TasksService) All(ctx context.Context, opts ListTasksOptions) iter.Seq2[TaskSummary, error] {
	c := s.client
	fetch := func(ctx context.Context, page int) (*listPage[TaskSummary], error) {
		o := opts
		o.Page = page
		p, err := c.Tasks.List(ctx, o)
		if err != nil {
			return nil, err
		}
		lp := &listPage[TaskSummary]{items: p.Data, page: p.Page, limit: p.Limit, totalResults: p.TotalResults, totalPages: p.TotalPages, hasNext: p.Next != nil}
		if p.Warning != nil {
			lp.warning = *p.Warning
		}
		return lp, nil
	}
	return walkPages(ctx, "Tasks.All", opts.Page, opts.Limit, fetch, func(t TaskSummary) string { return string(t.Id) })
}

// Add adds tasks to a squid (Add Tasks). Each task is a map of the crawler's task keys,
// e.g. {"url": "https://..."}. Lists longer than the batch size (WithAddBatchSize) are sent
// in several requests and the results merged: Tasks concatenated, DuplicatedCount summed.
//
// The server de-duplicates tasks (same parameters in the same squid), so Tasks.Add is
// retried like a read, and sending the same list again after a failure is safe: tasks
// already added come back counted as duplicates. If a batch fails after earlier ones
// succeeded, Tasks.Add returns what was added so far together with an *AddTasksError.
//
// An empty squid, an empty list, an empty task or a task that cannot be encoded as JSON is
// refused before any request.
func (s *TasksService) Add(ctx context.Context, squid string, tasks []Params) (*AddTasksResult, error) {
	c := s.client
	const op = "Tasks.Add"
	if squid == "" {
		return nil, argError(op, "squid", "empty; a squid id is required")
	}
	if len(tasks) == 0 {
		return nil, argError(op, "tasks", "empty; give at least one task")
	}
	// Each task is encoded once: the encoding both checks it (naming the one that fails) and
	// goes into its batch's body, which has the shape of models.AddTasksRequest.
	type addBody struct {
		Squid string            `json:"squid"`
		Tasks []json.RawMessage `json:"tasks"`
	}
	bodies := make([][]byte, 0, (len(tasks)+c.batchSize-1)/c.batchSize)
	for start := 0; start < len(tasks); start += c.batchSize {
		end := min(start+c.batchSize, len(tasks))
		batch := addBody{Squid: squid, Tasks: make([]json.RawMessage, end-start)}
		for i, t := range tasks[start:end] {
			if len(t) == 0 {
				return nil, argError(op, fmt.Sprintf("tasks[%d]", start+i), "empty; a task needs at least one key, e.g. url")
			}
			raw, err := json.Marshal(t)
			if err != nil {
				return nil, argError(op, fmt.Sprintf("tasks[%d]", start+i), "cannot be encoded as JSON: %v", err)
			}
			batch.Tasks[i] = raw
		}
		b, err := json.Marshal(batch)
		if err != nil {
			return nil, fmt.Errorf("api: %s: encoding the request: %w", op, err)
		}
		bodies = append(bodies, b)
	}
	total := &AddTasksResult{Tasks: make([]AddedTask, 0, len(tasks))}
	sent := 0
	for i, body := range bodies {
		r, err := send(ctx, c, request{op: op, retryable: true, build: func(base string) (*http.Request, error) {
			return gen.NewAddTasksRequestWithBody(base, "application/json", bytes.NewReader(body))
		}}, "an Add Tasks result (no tasks)", func(r *AddTasksResult) bool { return r.Tasks != nil })
		if err == nil {
			total.Tasks = append(total.Tasks, r.Tasks...)
			total.DuplicatedCount += r.DuplicatedCount
			sent += min(c.batchSize, len(tasks)-i*c.batchSize)
			continue
		}
		if i == 0 {
			return nil, err
		}
		return total, &AddTasksError{Sent: sent, Total: len(tasks), Err: err}
	}
	return total, nil
}

// AddTasksError is the failure of a batch of Tasks.Add after earlier batches succeeded:
// the first Sent of Total tasks were taken by the server (added or counted as duplicates).
// Sending the whole list again is safe, since the server de-duplicates.
type AddTasksError struct {
	Sent, Total int
	Err         error
}

// Error says how far Tasks.Add got and why it stopped.
func (e *AddTasksError) Error() string {
	return fmt.Sprintf("api: Tasks.Add: stopped after %d of %d tasks: %v", e.Sent, e.Total, e.Err)
}

// Unwrap returns the failure of the batch.
func (e *AddTasksError) Unwrap() error { return e.Err }

// Delete deletes a task permanently (Delete Task). An unknown hash is an *Error for
// which IsNotFound is true; a retried delete whose first attempt went through therefore
// also ends in IsNotFound.
func (s *TasksService) Delete(ctx context.Context, hash string) (*DeletedTask, error) {
	c := s.client
	const op = "Tasks.Delete"
	if err := checkHash(op, "hash", hash); err != nil {
		return nil, err
	}
	return send(ctx, c, request{op: op, retryable: true, build: func(base string) (*http.Request, error) {
		return gen.NewDeleteTaskRequest(base, hash)
	}}, "a deleted task (no id)", func(d *DeletedTask) bool { return d.Id != "" })
}
