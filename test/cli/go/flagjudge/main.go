// flagjudge reads, one JSON line each, {"command": "speaker"|"controller",
// "args": [...]} and answers one JSON line with what Go's flag package makes
// of the arguments, with the flags v0.9.6's speaker/main.go and
// controller/main.go define (the environment's defaults taken as empty).
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"io/ioutil"
	"os"
)

type request struct {
	Command string   `json:"command"`
	Args    []string `json:"args"`
}

type verdict struct {
	Kind    string                 `json:"kind"`
	Message string                 `json:"message,omitempty"`
	Values  map[string]interface{} `json:"values,omitempty"`
	Rest    []string               `json:"rest,omitempty"`
}

func judge(r request) verdict {
	set := flag.NewFlagSet(r.Command, flag.ContinueOnError)
	set.SetOutput(ioutil.Discard)
	strings := map[string]*string{}
	ints := map[string]*int{}
	if r.Command == "speaker" {
		strings["config"] = set.String("config", "config", "")
		for _, name := range []string{"host", "ml-bindaddr", "ml-bindport", "ml-labels", "ml-namespace", "ml-secret-key", "node-name"} {
			strings[name] = set.String(name, "", "")
		}
		ints["port"] = set.Int("port", 80, "")
	} else {
		ints["port"] = set.Int("port", 7472, "")
		strings["config"] = set.String("config", "config", "")
	}
	err := set.Parse(r.Args)
	if errors.Is(err, flag.ErrHelp) {
		return verdict{Kind: "help"}
	}
	if err != nil {
		return verdict{Kind: "error", Message: err.Error()}
	}
	values := map[string]interface{}{}
	for name, value := range strings {
		values[name] = *value
	}
	for name, value := range ints {
		values[name] = *value
	}
	return verdict{Kind: "parsed", Values: values, Rest: set.Args()}
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var r request
		if err := json.Unmarshal(in.Bytes(), &r); err != nil {
			panic(err)
		}
		if err := out.Encode(judge(r)); err != nil {
			panic(err)
		}
	}
}
