package apitest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/lobstr-go/lobstr/gen"
	"github.com/lobstr-go/lobstr/gen/models"
	"github.com/lobstr-go/lobstr/types"
)

// server implements the operations of the document on a Fake's state.
type server struct{ f *Fake }

var _ gen.StrictServerInterface = (*server)(nil)

// Documented error bodies.
var (
	errTaskNotFound   = errorBody(fixture("get-task.404.json"))
	errDeleteNotFound = errorBody(fixture("delete-task.404.json"))
	errUploadNotFound = errorBody(fixture("upload-status.404.json"))
	errInvalidTasks   = errorBody(fixture("add-tasks.400.json"))
	errSquidNotFound  = errorBody([]byte(`{"error":{"message":"Squid not found","type":"not_found_error","param":"squid"}}`))
)

func errorBody(raw []byte) models.Error {
	var e models.Error
	if err := e.UnmarshalJSON(raw); err != nil {
		panic("apitest: bad error body: " + err.Error())
	}
	return e
}

func detailError(msg string) models.Error {
	var e models.Error
	if err := e.FromDetailError(models.DetailError{Detail: msg}); err != nil {
		panic(err)
	}
	return e
}

// The rate-limit headers of every answer, from what the outer layer counted. The outer
// layer has already set them on the ResponseWriter; the generated Visit methods write them
// again from these values, so both agree.
func rateHeaders(ctx context.Context) (limit, left *int, reset *int64) {
	ex := exchangeFrom(ctx)
	limit, left, reset = new(int), new(int), new(int64)
	*limit, *left, *reset = ex.limit, ex.left, ex.reset
	return limit, left, reset
}

// badRequestBody is a 400 answer with body e and the rate-limit headers.
func badRequestBody(ctx context.Context, e models.Error) gen.BadRequestJSONResponse {
	r := gen.BadRequestJSONResponse{Body: e}
	r.Headers.XRateLimitLimit, r.Headers.XRateLimitRemaining, r.Headers.XRateLimitReset = rateHeaders(ctx)
	return r
}

// tooLargeBody is the 413 answer's body for a body over limit bytes.
func tooLargeBody(limit int64) detailBody {
	return detail("The request body is larger than " + strconv.FormatInt(limit, 10) + " bytes.")
}

// payloadTooLarge is a 413 answer {"detail": msg} with the rate-limit headers.
func payloadTooLarge(ctx context.Context, msg string) gen.PayloadTooLargeJSONResponse {
	r := gen.PayloadTooLargeJSONResponse{Body: detailError(msg)}
	r.Headers.XRateLimitLimit, r.Headers.XRateLimitRemaining, r.Headers.XRateLimitReset = rateHeaders(ctx)
	return r
}

// notFoundBody is a 404 answer with body e and the rate-limit headers.
func notFoundBody(ctx context.Context, e models.Error) gen.NotFoundJSONResponse {
	r := gen.NotFoundJSONResponse{Body: e}
	r.Headers.XRateLimitLimit, r.Headers.XRateLimitRemaining, r.Headers.XRateLimitReset = rateHeaders(ctx)
	return r
}

const (
	defaultLimit = 50
	maxLimit     = 100
)

// ListTasks pages through a squid's tasks.
func (s *server) ListTasks(ctx context.Context, req gen.ListTasksRequestObject) (gen.ListTasksResponseObject, error) {
	p := req.Params
	limit, page := defaultLimit, 1
	if p.Limit != nil {
		limit = *p.Limit
	}
	if p.Page != nil {
		page = *p.Page
	}
	if limit < 1 || limit > maxLimit {
		return gen.ListTasks400JSONResponse{BadRequestJSONResponse: badRequestBody(ctx, detailError("limit must be between 1 and 100."))}, nil
	}
	if page < 1 {
		return gen.ListTasks400JSONResponse{BadRequestJSONResponse: badRequestBody(ctx, detailError("page must be 1 or more."))}, nil
	}

	f := s.f
	f.mu.Lock()
	defer f.mu.Unlock()
	sq, ok := f.squids[p.Squid]
	if !ok {
		return gen.ListTasks404JSONResponse{NotFoundJSONResponse: notFoundBody(ctx, errSquidNotFound)}, nil
	}
	total := len(sq.order)
	body := models.TaskPage{
		TotalResults: total,
		Limit:        limit,
		Page:         page,
		TotalPages:   (total + limit - 1) / limit,
		Data:         []models.TaskSummary{},
	}
	// page ≤ TotalPages keeps (page-1)*limit within total: a page past the end, however
	// large, computes no offset (which could overflow) and is empty.
	if page <= body.TotalPages {
		first := (page - 1) * limit
		last := min(first+limit, total)
		for _, h := range sq.order[first:last] {
			body.Data = append(body.Data, f.tasks[h].listed())
		}
		from, to := first+1, last
		body.ResultFrom, body.ResultTo = &from, &to
	}
	link := func(n int) *string {
		q := "squid=" + url.QueryEscape(p.Squid)
		if p.Type != nil {
			q += "&type=" + url.QueryEscape(string(*p.Type))
		}
		u := exchangeFrom(ctx).base + basePath + "/tasks?" + q + "&page=" + strconv.Itoa(n) + "&limit=" + strconv.Itoa(limit)
		return &u
	}
	if page < body.TotalPages {
		body.Next = link(page + 1)
	}
	if page > 1 && body.TotalPages > 0 {
		body.Previous = link(min(page-1, body.TotalPages))
	}
	resp := gen.ListTasks200JSONResponse{Body: body}
	resp.Headers.XRateLimitLimit, resp.Headers.XRateLimitRemaining, resp.Headers.XRateLimitReset = rateHeaders(ctx)
	return resp, nil
}

// AddTasks adds a batch of tasks to a squid, skipping duplicates.
func (s *server) AddTasks(ctx context.Context, req gen.AddTasksRequestObject) (gen.AddTasksResponseObject, error) {
	body := req.Body
	if body == nil || body.Squid == "" {
		return gen.AddTasks400JSONResponse{BadRequestJSONResponse: badRequestBody(ctx, detailError("A required parameter squid is missing."))}, nil
	}
	if len(body.Tasks) == 0 {
		return gen.AddTasks400JSONResponse{BadRequestJSONResponse: badRequestBody(ctx, errInvalidTasks)}, nil
	}
	keys := make([]string, len(body.Tasks))
	for i, t := range body.Tasks {
		if len(t) == 0 {
			return gen.AddTasks400JSONResponse{BadRequestJSONResponse: badRequestBody(ctx, errInvalidTasks)}, nil
		}
		if keys[i] = paramsKey(t); len(keys[i]) > MaxTaskBytes {
			return gen.AddTasks413JSONResponse{PayloadTooLargeJSONResponse: payloadTooLarge(ctx,
				"Task "+strconv.Itoa(i+1)+" is larger than "+strconv.Itoa(MaxTaskBytes)+" bytes as JSON.")}, nil
		}
	}

	f := s.f
	f.mu.Lock()
	defer f.mu.Unlock()
	sq, ok := f.squids[body.Squid]
	if !ok {
		return gen.AddTasks404JSONResponse{NotFoundJSONResponse: notFoundBody(ctx, errSquidNotFound)}, nil
	}
	// Every task is checked before any is stored: a batch with one bad task adds nothing.
	for i, params := range body.Tasks {
		if problem := sq.crawler.checkTask(params, false); problem != "" {
			return gen.AddTasks400JSONResponse{BadRequestJSONResponse: badRequestBody(ctx, taskNotValid(i, problem))}, nil
		}
	}
	// So is the room the new ones need: a batch past MaxStoredBytes adds nothing either.
	cost, fresh := 0, map[string]bool{}
	for _, key := range keys {
		if d := keyOf(key); sq.keys[d] == "" && !fresh[d] {
			fresh[d] = true
			cost += storeCost(key)
		}
	}
	if !f.roomFor(cost) {
		return gen.AddTasks413JSONResponse{PayloadTooLargeJSONResponse: payloadTooLarge(ctx, f.storeFullMessage())}, nil
	}
	result := models.AddTasksResult{Tasks: []models.AddedTask{}}
	for i, params := range body.Tasks {
		key := keys[i]
		if _, dup := sq.keys[keyOf(key)]; dup {
			result.DuplicatedCount++
			continue
		}
		t := f.newTask(body.Squid, sq, params, key).task
		result.Tasks = append(result.Tasks, models.AddedTask{
			Id: t.HashValue, Object: "task", CreatedAt: t.CreatedAt, IsActive: t.IsActive, Params: t.Params, Module: t.Module,
		})
	}
	resp := gen.AddTasks200JSONResponse{Body: result}
	resp.Headers.XRateLimitLimit, resp.Headers.XRateLimitRemaining, resp.Headers.XRateLimitReset = rateHeaders(ctx)
	return resp, nil
}

// invalidTasksMessage is the documented message of a task the crawler cannot take.
const invalidTasksMessage = "Invalid task parameters. Each task must contain required fields for the crawler."

// taskNotValid is the 400 of a task the crawler cannot take: the errors page's
// TaskNotValidError ("Task parameters do not match the crawler's requirements"), in the
// errors envelope the page's business errors share ({"errors": {"message", "type",
// "code"}}), its message followed by what is wrong with which task, counted from 1.
func taskNotValid(i int, problem string) models.Error {
	return errorsEnvelope(invalidTasksMessage+" Task "+strconv.Itoa(i+1)+": "+problem, taskNotValidType, http.StatusBadRequest)
}

// taskNotValidType is the documented type of the 400 of a task the crawler cannot take.
const taskNotValidType = "TaskNotValidError"

// GetTask shows a task, advancing its lifecycle by one poll.
func (s *server) GetTask(ctx context.Context, req gen.GetTaskRequestObject) (gen.GetTaskResponseObject, error) {
	f := s.f
	f.mu.Lock()
	rec, ok := f.tasks[req.TaskHash]
	var task models.Task
	if ok {
		if rec.life != nil {
			rec.life.poll(&rec.task, time.Now())
		}
		task = rec.task
	}
	f.mu.Unlock()
	if !ok {
		return gen.GetTask404JSONResponse{NotFoundJSONResponse: notFoundBody(ctx, errTaskNotFound)}, nil
	}
	resp := gen.GetTask200JSONResponse{Body: task}
	resp.Headers.XRateLimitLimit, resp.Headers.XRateLimitRemaining, resp.Headers.XRateLimitReset = rateHeaders(ctx)
	return resp, nil
}

// DeleteTask removes a task.
func (s *server) DeleteTask(ctx context.Context, req gen.DeleteTaskRequestObject) (gen.DeleteTaskResponseObject, error) {
	f := s.f
	f.mu.Lock()
	ok := f.removeTask(req.TaskHash)
	f.mu.Unlock()
	if !ok {
		return gen.DeleteTask404JSONResponse{NotFoundJSONResponse: notFoundBody(ctx, errDeleteNotFound)}, nil
	}
	resp := gen.DeleteTask200JSONResponse{Body: models.DeletedTask{Id: req.TaskHash, Object: "task", Deleted: true}}
	resp.Headers.XRateLimitLimit, resp.Headers.XRateLimitRemaining, resp.Headers.XRateLimitReset = rateHeaders(ctx)
	return resp, nil
}

// maxSquidField bounds the squid field of an upload form.
const maxSquidField = 4 << 10

// UploadTasks reads an upload form as a stream and registers the upload.
func (s *server) UploadTasks(ctx context.Context, req gen.UploadTasksRequestObject) (gen.UploadTasksResponseObject, error) {
	badRequest := func(msg string) (gen.UploadTasksResponseObject, error) {
		return gen.UploadTasks400JSONResponse{BadRequestJSONResponse: badRequestBody(ctx, detailError(msg))}, nil
	}
	tooLarge := func(msg string) (gen.UploadTasksResponseObject, error) {
		return gen.UploadTasks413JSONResponse{PayloadTooLargeJSONResponse: payloadTooLarge(ctx, msg)}, nil
	}
	readFailed := func(what string, err error) (gen.UploadTasksResponseObject, error) {
		if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
			return tooLarge(tooLargeBody(mbe.Limit).Detail)
		}
		if errors.Is(err, errTooManyRows) {
			return tooLarge("The file has more than " + strconv.Itoa(MaxUploadRows) + " rows.")
		}
		return badRequest(what + err.Error())
	}
	u := &upload{id: newHash()}
	var squidID string
	var haveSquid, haveFile bool
	for {
		part, err := req.Body.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return readFailed("The multipart body could not be read: ", err)
		}
		switch part.FormName() {
		case "squid":
			b, err := io.ReadAll(io.LimitReader(part, maxSquidField))
			if err != nil {
				return readFailed("The squid field could not be read: ", err)
			}
			squidID, haveSquid = string(b), true
		case "file":
			if haveFile {
				return badRequest("Send one file.")
			}
			haveFile = true
			if err := parseTasks(u, part, part.FileName(), part.Header.Get("Content-Type")); err != nil {
				return readFailed("The file could not be read: ", err)
			}
		default:
			if _, err := io.Copy(io.Discard, part); err != nil {
				return readFailed("The multipart body could not be read: ", err)
			}
		}
		part.Close()
	}
	if !haveFile {
		return badRequest("A required parameter file is missing.")
	}
	if !haveSquid || squidID == "" {
		return badRequest("A required parameter squid is missing.")
	}

	f := s.f
	f.mu.Lock()
	sq, ok := f.squids[squidID]
	if ok {
		// Every row is checked against the crawler's task keys before the upload is
		// registered: a file with one bad row adds nothing.
		if i, problem := u.check(sq.crawler); problem != "" {
			f.mu.Unlock()
			e := errorsEnvelope(invalidTasksMessage+" Row "+strconv.Itoa(i)+" of the file: "+problem, taskNotValidType, http.StatusBadRequest)
			return gen.UploadTasks400JSONResponse{BadRequestJSONResponse: badRequestBody(ctx, e)}, nil
		}
		u.squid = squidID
		f.uploads[u.id] = u
	}
	f.mu.Unlock()
	if !ok {
		return gen.UploadTasks404JSONResponse{NotFoundJSONResponse: notFoundBody(ctx, errSquidNotFound)}, nil
	}
	resp := gen.UploadTasks200JSONResponse{Body: models.Upload{Id: u.id, Object: "task_upload"}}
	resp.Headers.XRateLimitLimit, resp.Headers.XRateLimitRemaining, resp.Headers.XRateLimitReset = rateHeaders(ctx)
	return resp, nil
}

// GetUpload reports an upload's progress, one step further per check.
func (s *server) GetUpload(ctx context.Context, req gen.GetUploadRequestObject) (gen.GetUploadResponseObject, error) {
	f := s.f
	f.mu.Lock()
	u, ok := f.uploads[req.UploadTaskId]
	var body models.Upload
	finished := false
	if ok {
		u.checks = min(u.checks+1, finishedAt)
		if finished = u.checks >= finishedAt; finished {
			f.finish(u) // before the state: past MaxStoredBytes, it fails the upload
		}
		state := u.state()
		body = models.Upload{Id: u.id, Object: "task_upload", State: &state, Meta: types.Null[models.UploadMeta]()}
		if finished {
			if !u.failed {
				body.Meta = types.NullableOf(u.meta)
			}
		}
	}
	f.mu.Unlock()
	if !ok {
		return gen.GetUpload404JSONResponse{NotFoundJSONResponse: notFoundBody(ctx, errUploadNotFound)}, nil
	}
	limit, left, reset := rateHeaders(ctx)
	if !finished {
		return gen.GetUpload202JSONResponse{Body: body, Headers: gen.GetUpload202ResponseHeaders{
			XRateLimitLimit: limit, XRateLimitRemaining: left, XRateLimitReset: reset}}, nil
	}
	return gen.GetUpload200JSONResponse{Body: body, Headers: gen.GetUpload200ResponseHeaders{
		XRateLimitLimit: limit, XRateLimitRemaining: left, XRateLimitReset: reset}}, nil
}
