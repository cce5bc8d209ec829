// dashcheck checks a Grafana dashboard JSON model strictly, with the decoder Grafana's own foundation SDK
// generates from Grafana's schemas, and prints the PromQL in it for a test to run against a real Prometheus.
//
// Usage: dashcheck DASHBOARD.json
//
// Exit 0: stdout has one JSON object per line, each panel query as {"panel", "refId", "expr", "format",
// "legendFormat"}, then each query variable as {"variable", "query"}. Exit 1: stderr says what is wrong, each
// problem on its own line. Exit 2: usage or an unreadable file.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/heatmap"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// Only these panel types are allowed: the SDK decodes a panel's options strictly only for a type it has
// registered, and any other type (a misspelled one too) would have its options read without a check.
func registerVariants() {
	rt := cog.NewRuntime()
	rt.RegisterPanelcfgVariant(heatmap.VariantConfig())
	rt.RegisterPanelcfgVariant(timeseries.VariantConfig())
	rt.RegisterDataqueryVariant(prometheus.VariantConfig())
}

// Grafana's own variables that PromQL in a panel may use besides the dashboard's.
var builtinVariables = map[string]bool{"__rate_interval": true, "__interval": true, "__range": true}

var variableRef = regexp.MustCompile(`\$(?:\{(\w+)(?::\w+)?\}|(\w+))`)

type query struct {
	Panel        string `json:"panel"`
	RefID        string `json:"refId"`
	Expr         string `json:"expr"`
	Format       string `json:"format"`
	LegendFormat string `json:"legendFormat"`
}

type variableQuery struct {
	Variable string `json:"variable"`
	Query    string `json:"query"`
}

// failed tells an error from the SDK's way of saying none: its strict decoders return their error list, a
// cog.BuildErrors, even when it is empty.
func failed(err error) bool {
	var list cog.BuildErrors
	if errors.As(err, &list) {
		return len(list) > 0
	}
	return err != nil
}

// panel is one panel as decoded here, with its Prometheus queries.
type panel struct {
	*dashboard.Panel
	queries []*prometheus.Dataquery
}

// panels decodes each panel of the dashboard on its own, strictly, with its fieldConfig and queries. The SDK
// (v0.0.22) checks them all in Dashboard.UnmarshalJSONStrict but keeps neither the panels nor their queries: its
// strict decoders return an empty error list as a non-nil error, and the panel-or-row and query decoders return
// on it before storing what they decoded. Two things it does not check at all are checked here: fieldConfig,
// which it reads with plain encoding/json (only the "custom" part strictly), and a query whose datasource does
// not say prometheus, which it reads leniently as an unknown kind of query.
func panels(raw []byte) ([]panel, []string) {
	var doc struct {
		Panels []json.RawMessage `json:"panels"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, []string{err.Error()}
	}
	var out []panel
	var problems []string
	var walk func([]json.RawMessage)
	walk = func(list []json.RawMessage) {
		for _, rp := range list {
			var head struct {
				Type        string            `json:"type"`
				Title       string            `json:"title"`
				FieldConfig json.RawMessage   `json:"fieldConfig"`
				Targets     []json.RawMessage `json:"targets"`
				Panels      []json.RawMessage `json:"panels"`
			}
			if err := json.Unmarshal(rp, &head); err != nil {
				problems = append(problems, err.Error())
				continue
			}
			if head.Type == "row" { // the panels of a collapsed row are inside it
				walk(head.Panels)
				continue
			}
			p := panel{Panel: &dashboard.Panel{}}
			if err := p.UnmarshalJSONStrict(rp); failed(err) {
				problems = append(problems, fmt.Sprintf("panel %q: %v", head.Title, err))
			}
			if head.FieldConfig != nil {
				var fc dashboard.FieldConfigSource
				if err := fc.UnmarshalJSONStrict(head.FieldConfig); failed(err) {
					problems = append(problems, fmt.Sprintf("panel %q: fieldConfig: %v", head.Title, err))
				}
			}
			for i, rt := range head.Targets {
				var ds struct {
					Datasource struct {
						Type string `json:"type"`
					} `json:"datasource"`
				}
				if err := json.Unmarshal(rt, &ds); err != nil || ds.Datasource.Type != "prometheus" {
					problems = append(problems,
						fmt.Sprintf("panel %q: target %d: datasource is not of type prometheus", head.Title, i))
					continue
				}
				q := &prometheus.Dataquery{}
				if err := q.UnmarshalJSONStrict(rt); failed(err) {
					problems = append(problems, fmt.Sprintf("panel %q: target %d: %v", head.Title, i, err))
					continue
				}
				p.queries = append(p.queries, q)
			}
			out = append(out, p)
		}
	}
	walk(doc.Panels)
	return out, problems
}

// undefined lists the variables expr uses that are neither the dashboard's nor Grafana's own: a misspelled one
// would reach Prometheus as a literal "$name" and match nothing.
func undefined(expr string, defined map[string]bool) []string {
	var out []string
	for _, m := range variableRef.FindAllStringSubmatch(expr, -1) {
		if name := m[1] + m[2]; !defined[name] && !builtinVariables[name] {
			out = append(out, name)
		}
	}
	return out
}

// panelQueries checks what the strict decode leaves open about one panel and returns its queries.
func panelQueries(p panel, defined map[string]bool) ([]query, []string) {
	title := ""
	if p.Title != nil {
		title = *p.Title
	}
	var problems []string
	if _, ok := cog.ConfigForPanelcfgVariant(p.Type); !ok {
		problems = append(problems,
			fmt.Sprintf("panel %q: type %q is not one whose options can be checked", title, p.Type))
	}
	if p.Datasource == nil || p.Datasource.Type == nil || *p.Datasource.Type != "prometheus" {
		problems = append(problems, fmt.Sprintf("panel %q: datasource is not of type prometheus", title))
	}
	if len(p.queries) == 0 {
		problems = append(problems, fmt.Sprintf("panel %q: no queries", title))
	}
	var out []query
	for i, q := range p.queries {
		if strings.TrimSpace(q.Expr) == "" {
			problems = append(problems, fmt.Sprintf("panel %q: target %d has no expr", title, i))
		}
		for _, name := range undefined(q.Expr, defined) {
			problems = append(problems, fmt.Sprintf("panel %q: $%s is not a variable of the dashboard", title, name))
		}
		r := query{Panel: title, Expr: q.Expr, Format: "time_series"}
		if q.RefId != nil {
			r.RefID = *q.RefId
		}
		if q.Format != nil {
			r.Format = string(*q.Format)
		}
		if q.LegendFormat != nil {
			r.LegendFormat = *q.LegendFormat
		}
		out = append(out, r)
	}
	return out, problems
}

// variableQueryText is the query of a query variable, saved by Grafana as a string or, since Grafana 10, as
// {"query": "...", "refId": ...}.
func variableQueryText(v dashboard.VariableModel) string {
	if v.Query == nil {
		return ""
	}
	if v.Query.String != nil {
		return *v.Query.String
	}
	s, _ := v.Query.Map["query"].(string)
	return s
}

func check(raw []byte) ([]any, []string) {
	var d dashboard.Dashboard
	if err := d.UnmarshalJSONStrict(raw); failed(err) {
		return nil, strings.Split(err.Error(), "\n")
	}
	decoded, problems := panels(raw)

	defined := map[string]bool{}
	for _, v := range d.Templating.List {
		defined[v.Name] = true
	}
	var variables []any
	for _, v := range d.Templating.List {
		if v.Type != dashboard.VariableTypeQuery {
			continue
		}
		q := variableQueryText(v)
		for _, name := range undefined(q, defined) {
			problems = append(problems,
				fmt.Sprintf("variable %q: $%s is not a variable of the dashboard", v.Name, name))
		}
		variables = append(variables, variableQuery{Variable: v.Name, Query: q})
	}

	var out []any
	for _, p := range decoded {
		qs, ps := panelQueries(p, defined)
		problems = append(problems, ps...)
		for _, q := range qs {
			out = append(out, q)
		}
	}
	return append(out, variables...), problems
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: dashcheck DASHBOARD.json")
		os.Exit(2)
	}
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintf(os.Stderr, "dashcheck: %v\n", err)
		os.Exit(2)
	}
	registerVariants()
	out, problems := check(raw)
	if len(problems) > 0 {
		sort.Strings(problems)
		for _, p := range problems {
			fmt.Fprintf(os.Stderr, "dashcheck: %s: %s\n", os.Args[1], p)
		}
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	for _, o := range out {
		if err := enc.Encode(o); err != nil {
			fmt.Fprintf(os.Stderr, "dashcheck: %v\n", err)
			os.Exit(2)
		}
	}
}
