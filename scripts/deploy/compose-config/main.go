// compose-config loads a compose file the way `docker compose config` does — with
// compose-go, the loader Docker Compose itself uses — and prints the resolved project as
// JSON. It needs no Docker engine and no network, so the compose file can be checked
// offline (tests/deploy). Interpolation uses only the given env file, never the caller's
// environment, so the check is hermetic.
//
//	compose-config -f docker-compose.yml --env-file .env.example
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	file := flag.String("f", "docker-compose.yml", "compose file")
	envFile := flag.String("env-file", ".env", "file the variables are interpolated from")
	flag.Parse()

	options, err := cli.NewProjectOptions(
		[]string{*file},
		cli.WithEnvFiles(*envFile),
		cli.WithDotEnv,
		cli.WithConsistency(true),
		cli.WithResolvedPaths(false),
	)
	if err != nil {
		fail(err)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		fail(err)
	}
	out, err := project.MarshalJSON()
	if err != nil {
		fail(err)
	}
	if _, err := os.Stdout.Write(out); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "compose-config:", err)
	os.Exit(1)
}
