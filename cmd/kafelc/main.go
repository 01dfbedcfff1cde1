package main

import "github.com/gokafel/gokafel/internal/cli"

func main() { cli.Main(newRootCmd()) }
