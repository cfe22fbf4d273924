// promrules checks Prometheus rule files offline as Prometheus itself loads them (rulefmt: the
// structure, every PromQL expression, the label and annotation templates), and prints, as JSON, the
// metric names each rule's expression selects, for the caller to compare with the metrics the code
// defines (tests/deploy/test_alert_rules.py).
//
//	promrules RULES.yaml...   one file per argument, each with `groups:` at the top
//
// Exit 1 with one line per problem on stderr when a file does not load.
package main

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"os"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
)

type rule struct {
	Group   string   `json:"group"`
	Alert   string   `json:"alert,omitempty"`
	Record  string   `json:"record,omitempty"`
	Metrics []string `json:"metrics"`
}

func main() {
	var rules []rule
	failed := false
	promql := parser.NewParser(parser.Options{})
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	for _, path := range os.Args[1:] {
		groups, errs := rulefmt.ParseFile(path, false, model.UTF8Validation, promql, logger)
		for _, err := range errs {
			fmt.Fprintf(os.Stderr, "%s: %v\n", path, err)
			failed = true
		}
		if groups == nil {
			continue
		}
		for _, group := range groups.Groups {
			for _, r := range group.Rules {
				expr, err := promql.ParseExpr(r.Expr)
				if err != nil {
					fmt.Fprintf(os.Stderr, "%s: %s: %v\n", path, r.Alert+r.Record, err)
					failed = true
					continue
				}
				names := map[string]bool{}
				for _, selector := range parser.ExtractSelectors(expr) {
					for _, matcher := range selector {
						if matcher.Name == labels.MetricName && matcher.Type == labels.MatchEqual {
							names[matcher.Value] = true
						}
					}
				}
				metrics := []string{}
				for name := range names {
					metrics = append(metrics, name)
				}
				rules = append(rules, rule{Group: group.Name, Alert: r.Alert, Record: r.Record, Metrics: metrics})
			}
		}
	}
	if failed {
		os.Exit(1)
	}
	out, _ := json.Marshal(rules)
	fmt.Println(string(out))
}
