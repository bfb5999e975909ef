package main

import "context"

func (c *cli) mock(ctx context.Context, args []string) int {
	return exitUsage
}
