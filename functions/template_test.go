package functions_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
)

// TemplatePath is where `make synth` (cdk synth) writes the template SAM
// reads, relative to the repository root.
const TemplatePath = "cdk.out/Tollgate.template.json"

// template is the part of a synthesized template read here.
type template struct {
	Resources map[string]struct {
		Type       string
		Properties struct {
			Description string
			MemorySize  int
			KeySpec     string
			Environment struct{ Variables map[string]any }
		}
	}
}

// local is what the template's references resolve to in the local stack.
type local struct {
	Table, SigningKeyARN, SealKeyARN, APIID, Region string
}

// functionEnvs reads the template at path and returns each function's
// environment (by the functions/ folder its description names) and memory
// size, its references resolved to loc. A reference it does not know is an
// error: teach resolve about it.
func functionEnvs(path string, loc local) (map[string]map[string]string, map[string]int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	var tpl template
	if err := json.Unmarshal(b, &tpl); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	envs, memory := map[string]map[string]string{}, map[string]int{}
	for id, r := range tpl.Resources {
		if r.Type != "AWS::Lambda::Function" {
			continue
		}
		name, ok := strings.CutPrefix(r.Properties.Description, "Tollgate ")
		if !ok {
			return nil, nil, fmt.Errorf("%s: description %q names no function", id, r.Properties.Description)
		}
		env := map[string]string{}
		for k, v := range r.Properties.Environment.Variables {
			if env[k], err = resolve(tpl, v, loc); err != nil {
				return nil, nil, fmt.Errorf("%s (%s) %s: %w", id, name, k, err)
			}
		}
		envs[name], memory[name] = env, r.Properties.MemorySize
	}
	return envs, memory, nil
}

// resolve is the value of a template expression in the local stack.
func resolve(tpl template, v any, loc local) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case map[string]any:
		if ref, ok := v["Ref"].(string); ok {
			switch ref {
			case "AWS::Region":
				return loc.Region, nil
			case "AWS::URLSuffix":
				return "amazonaws.com", nil
			}
			switch tpl.Resources[ref].Type {
			case "AWS::DynamoDB::Table":
				return loc.Table, nil
			case "AWS::ApiGateway::RestApi":
				return loc.APIID, nil
			}
		}
		if att, ok := v["Fn::GetAtt"].([]any); ok && len(att) == 2 && att[1] == "Arn" {
			if r := tpl.Resources[fmt.Sprint(att[0])]; r.Type == "AWS::KMS::Key" {
				switch r.Properties.KeySpec {
				case "ECC_NIST_P256":
					return loc.SigningKeyARN, nil
				case "SYMMETRIC_DEFAULT", "":
					return loc.SealKeyARN, nil
				}
			}
		}
		if join, ok := v["Fn::Join"].([]any); ok && len(join) == 2 {
			sep, _ := join[0].(string)
			parts, _ := join[1].([]any)
			var out []string
			for _, p := range parts {
				s, err := resolve(tpl, p, loc)
				if err != nil {
					return "", err
				}
				out = append(out, s)
			}
			return strings.Join(out, sep), nil
		}
	}
	return "", fmt.Errorf("no local value for %v", v)
}
