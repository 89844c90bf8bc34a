// yamljudge decodes YAML documents with go-yaml v2, so that tests can hold
// our readers against the real decoder:
//
//   - by default as kube-apiserver reads a YAML request body
//     (sigs.k8s.io/yaml unmarshals it into interface{});
//   - with -value the same, and the decoded value printed as JSON (keys as
//     text, as sigs.k8s.io/yaml's YAMLToJSON writes them), so a test can
//     see what kubectl makes of a file it is given;
//   - with -config as MetalLB v0.9.6 reads its config: yaml.UnmarshalStrict
//     into the shape of internal/config/config.go's configFile (its fields,
//     Go types and yaml names, restated here), printed as JSON.
//
// Input: one document per line on stdin, each a JSON string.
// Output: one JSON line per document: {"ok":true} (with "config" under
// -config) or {"ok":false,"error":"..."}.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"

	yaml "gopkg.in/yaml.v2"
)

type verdict struct {
	OK     bool        `json:"ok"`
	Error  string      `json:"error,omitempty"`
	Config *configFile `json:"config,omitempty"`
	Value  interface{} `json:"value,omitempty"`
}

// The shape v0.9.6 decodes its config into (internal/config/config.go).
type configFile struct {
	Peers          []peer            `yaml:"peers" json:"peers"`
	BGPCommunities map[string]string `yaml:"bgp-communities" json:"bgp-communities"`
	Pools          []addressPool     `yaml:"address-pools" json:"address-pools"`
}

type peer struct {
	MyASN         uint32         `yaml:"my-asn" json:"my-asn"`
	ASN           uint32         `yaml:"peer-asn" json:"peer-asn"`
	Addr          string         `yaml:"peer-address" json:"peer-address"`
	Port          uint16         `yaml:"peer-port" json:"peer-port"`
	HoldTime      string         `yaml:"hold-time" json:"hold-time"`
	RouterID      string         `yaml:"router-id" json:"router-id"`
	NodeSelectors []nodeSelector `yaml:"node-selectors" json:"node-selectors"`
	Password      string         `yaml:"password" json:"password"`
}

type nodeSelector struct {
	MatchLabels      map[string]string `yaml:"match-labels" json:"match-labels"`
	MatchExpressions []requirement     `yaml:"match-expressions" json:"match-expressions"`
}

type requirement struct {
	Key      string   `yaml:"key" json:"key"`
	Operator string   `yaml:"operator" json:"operator"`
	Values   []string `yaml:"values" json:"values"`
}

type addressPool struct {
	Protocol          string          `yaml:"protocol" json:"protocol"`
	Name              string          `yaml:"name" json:"name"`
	Addresses         []string        `yaml:"addresses" json:"addresses"`
	AvoidBuggyIPs     bool            `yaml:"avoid-buggy-ips" json:"avoid-buggy-ips"`
	AutoAssign        *bool           `yaml:"auto-assign" json:"auto-assign"`
	BGPAdvertisements []advertisement `yaml:"bgp-advertisements" json:"bgp-advertisements"`
}

type advertisement struct {
	AggregationLength *int     `yaml:"aggregation-length" json:"aggregation-length"`
	LocalPref         *uint32  `yaml:"localpref" json:"localpref"`
	Communities       []string `yaml:"communities" json:"communities"`
}

func main() {
	asConfig := len(os.Args) > 1 && os.Args[1] == "-config"
	withValue := len(os.Args) > 1 && os.Args[1] == "-value"
	lines := bufio.NewScanner(os.Stdin)
	lines.Buffer(make([]byte, 1<<20), 64<<20)
	out := json.NewEncoder(os.Stdout)
	for lines.Scan() {
		var document string
		if err := json.Unmarshal(lines.Bytes(), &document); err != nil {
			panic(err)
		}
		result := verdict{OK: true}
		if asConfig {
			var config configFile
			if err := yaml.UnmarshalStrict([]byte(document), &config); err != nil {
				result = verdict{OK: false, Error: err.Error()}
			} else {
				result.Config = &config
			}
		} else {
			var value interface{}
			if err := yaml.Unmarshal([]byte(document), &value); err != nil {
				result = verdict{OK: false, Error: err.Error()}
			} else if withValue {
				result.Value = jsonable(value)
			}
		}
		if err := out.Encode(result); err != nil {
			panic(err)
		}
	}
	if err := lines.Err(); err != nil {
		panic(err)
	}
}

// jsonable turns go-yaml's map[interface{}]interface{} into maps with text
// keys, which encoding/json can write; scalars stay as go-yaml typed them.
func jsonable(value interface{}) interface{} {
	switch v := value.(type) {
	case map[interface{}]interface{}:
		out := make(map[string]interface{}, len(v))
		for key, item := range v {
			out[fmt.Sprint(key)] = jsonable(item)
		}
		return out
	case []interface{}:
		out := make([]interface{}, len(v))
		for i, item := range v {
			out[i] = jsonable(item)
		}
		return out
	default:
		return v
	}
}
