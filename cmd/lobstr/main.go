// Command lobstr is a command-line client of lobstr.io's API, with the official CLI's
// verbs and more, a fake of that API for tests and demos (`lobstr mock`), and lobstr for
// AI agents (`lobstr mcp`). `lobstr --help` lists the commands; the commands themselves
// are package internal/cli.
package main

import "github.com/lobstr-go/lobstr/internal/cli"

func main() { cli.Main() }
