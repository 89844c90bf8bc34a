// yamljudge decodes YAML documents as kube-apiserver reads a YAML request
// body (sigs.k8s.io/yaml unmarshals it with go-yaml v2 into interface{}),
// so that tests can hold the lab's limits against the real decoder.
//
// Input: one document per line on stdin, each a JSON string.
// Output: one JSON line per document, {"ok":true} or {"ok":false,"error":"..."}.
package main

import (
	"bufio"
	"encoding/json"
	"os"

	yaml "gopkg.in/yaml.v2"
)

type verdict struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

func main() {
	lines := bufio.NewScanner(os.Stdin)
	lines.Buffer(make([]byte, 1<<20), 64<<20)
	out := json.NewEncoder(os.Stdout)
	for lines.Scan() {
		var document string
		if err := json.Unmarshal(lines.Bytes(), &document); err != nil {
			panic(err)
		}
		var value interface{}
		result := verdict{OK: true}
		if err := yaml.Unmarshal([]byte(document), &value); err != nil {
			result = verdict{OK: false, Error: err.Error()}
		}
		if err := out.Encode(result); err != nil {
			panic(err)
		}
	}
	if err := lines.Err(); err != nil {
		panic(err)
	}
}
