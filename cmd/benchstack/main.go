// Command benchstack runs `make bench-stack`: the local stack under load
// beside a bare net/http server answering the same bytes (see
// shared/local/stackbench). This file is wiring only.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"time"

	"github.com/tollgate/tollgate/shared/local/devstack"
	"github.com/tollgate/tollgate/shared/local/services"
	"github.com/tollgate/tollgate/shared/local/stackbench"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "benchstack:", err)
		os.Exit(1)
	}
}

func run() error {
	cfg := stackbench.Config{Progress: os.Stderr}
	flag.DurationVar(&cfg.Duration, "duration", 8*time.Second, "length of each measured phase")
	flag.DurationVar(&cfg.Warmup, "warmup", 2*time.Second, "unmeasured load before each server's first phase")
	flag.IntVar(&cfg.Rate, "rate", 3000, "requests a second of the paced whoami phases")
	flag.IntVar(&cfg.Workers, "workers", 64, "requests in flight in the whoami saturation phases")
	flag.IntVar(&cfg.TokenWorkers, "token-workers", 32, "requests in flight in the token saturation phase")
	doc := flag.String("doc", "docs/benchmarks.md", `file whose "Local stack" section gets the results ("" for none)`)
	logFile := flag.String("log", os.DevNull, "where the stack's request log goes")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run (stack and load) here")
	memProfile := flag.String("memprofile", "", "write an allocation profile of the whole run here")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	jar, err := services.FindDynamoDB(".")
	if err != nil {
		return err
	}
	cfg.Jar = jar
	devstack.TuneGC() // as `make run` does: this process runs the local stack
	log, err := os.Create(*logFile)
	if err != nil {
		return err
	}
	defer log.Close()
	cfg.Log = log
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	rep, err := stackbench.Measure(ctx, cfg)
	if err != nil {
		return err
	}
	if *memProfile != "" {
		if err := writeProfile("allocs", *memProfile); err != nil {
			return err
		}
	}
	fmt.Print(rep.Markdown(cfg.Rate))
	if *doc == "" {
		return nil
	}
	b, err := os.ReadFile(*doc)
	if err != nil {
		return err
	}
	return os.WriteFile(*doc, []byte(stackbench.UpdateDoc(string(b), rep.Markdown(cfg.Rate))), 0o644)
}

func writeProfile(name, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return pprof.Lookup(name).WriteTo(f, 0)
}
