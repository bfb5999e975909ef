package api

import (
	"github.com/lobstr-go/lobstr/gen/models"
	"github.com/lobstr-go/lobstr/types"
)

// The models are the generated ones, so the OpenAPI document stays their only definition.
type (
	// Task is one input of a squid with its execution status, as Get Task returns it.
	Task = models.Task
	// TaskStatus is the execution status of a Task.
	TaskStatus = models.TaskStatus
	// TaskState is where a task is in its life: pending, running, completed, aborted, failed.
	TaskState = models.TaskState
	// TaskSummary is a task as List Tasks shows it.
	TaskSummary = models.TaskSummary
	// TaskPage is one page of List Tasks, in the API's pagination envelope.
	TaskPage = models.TaskPage
	// AddTasksResult is what Add Tasks did: the tasks added and how many were duplicates.
	AddTasksResult = models.AddTasksResult
	// AddedTask is one task as Add Tasks returns it.
	AddedTask = models.AddedTask
	// DeletedTask is what Delete Task did.
	DeletedTask = models.DeletedTask
	// Upload is a task upload: Upload Tasks returns its id, Check Upload Status its state
	// and, once known, its row counts.
	Upload = models.Upload
	// UploadState is where the processing of an upload is: PENDING, PROGRESS, SUCCESS, FAILURE.
	UploadState = models.UploadState
	// UploadMeta holds the row counts of a finished upload.
	UploadMeta = models.UploadMeta
	// Params are a task's parameters; their keys depend on the squid's crawler.
	Params = models.Params
	// Timestamp is a moment in either of the API's two timestamp forms.
	Timestamp = types.Timestamp
	// Module is a crawler module id, an integer or a string.
	Module = types.Module
)

// The task states, re-exported from gen.
const (
	TaskPending   = models.Pending
	TaskRunning   = models.Running
	TaskCompleted = models.Completed
	TaskAborted   = models.Aborted
	TaskFailed    = models.Failed
)

// The upload states, re-exported from gen.
const (
	UploadPending  = models.PENDING
	UploadProgress = models.PROGRESS
	UploadSuccess  = models.SUCCESS
	UploadFailure  = models.FAILURE
)
