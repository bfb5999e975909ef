package api

// service is what every resource's service holds: the Client whose core (requests,
// retries, pacing, errors) it uses.
type service struct{ client *Client }

// TasksService is the Tasks resource: a squid's inputs (Get, List, All, Add, Delete), task
// files (Upload, UploadFile, UploadStatus) and waits (Wait, WaitUpload). Use it as c.Tasks.
type TasksService service
