package devstack

import (
	"net/url"
	"strings"

	"github.com/tollgate/tollgate/shared/access"
)

// methodAny is API Gateway's catch-all method: it serves every HTTP method
// the resource does not define itself.
const methodAny = "ANY"

// method is one method defined on a resource.
type method struct {
	route     access.Route
	protected bool
}

// resource is a node of the API's resource tree, as API Gateway keeps it:
// every prefix of a route's path is a resource, with or without methods.
type resource struct {
	path    string               // the template, e.g. "/v1/keys/{keyId}"
	id      string               // resourceID(path)
	literal map[string]*resource // children by literal segment
	param   *resource            // the {name} child, if any
	greedy  *resource            // the {name+} child, if any
	name    string               // parameter name, for param and greedy nodes
	methods map[string]method
}

func newResource(path string) *resource {
	return &resource{path: path, id: resourceID(path), literal: map[string]*resource{}, methods: map[string]method{}}
}

// splitPath splits "/a/b" into ["a", "b"]; "/" and "" give none.
func splitPath(p string) []string {
	p = strings.TrimPrefix(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// paramChild returns the parameter child in slot, made for name at path if
// there is none yet; a child standing for another name is kept and reported
// in conflict (suffix is "+" for greedy parameters).
func (n *resource) paramChild(slot **resource, name, suffix, path string, conflict *string) *resource {
	if *slot == nil {
		*slot = newResource(path)
		(*slot).name = name
	} else if (*slot).name != name {
		*conflict = "parameter {" + name + suffix + "} conflicts with {" + (*slot).name + suffix + "} under " + n.path
	}
	return *slot
}

// insert adds r under the template r.Resource. It reports a conflict (a
// method defined twice, or two parameter names at one level); the first
// definition is kept, except that a protected method replaces a public one,
// so a route listed in both tables is never served without the authorizer.
func (root *resource) insert(r access.Route, protected bool) (conflict string) {
	n := root
	for _, seg := range splitPath(r.Resource) {
		var name string
		var greedy bool
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") && len(seg) > 2 {
			name = seg[1 : len(seg)-1]
			greedy = strings.HasSuffix(name, "+")
			name = strings.TrimSuffix(name, "+")
		}
		child := strings.TrimSuffix(n.path, "/") + "/" + seg
		switch {
		case name == "":
			next, ok := n.literal[seg]
			if !ok {
				next = newResource(child)
				n.literal[seg] = next
			}
			n = next
		case greedy:
			n = n.paramChild(&n.greedy, name, "+", child, &conflict)
		default:
			n = n.paramChild(&n.param, name, "", child, &conflict)
		}
	}
	if old, ok := n.methods[r.Method]; ok && (old.protected || !protected) {
		return "duplicate method " + r.Method + " " + n.path
	}
	n.methods[r.Method] = method{route: r, protected: protected}
	return conflict
}

// match finds the resource for the escaped request path and its decoded
// path parameters. A literal segment wins over {name}, which wins over
// {name+}; when a more specific branch dead-ends, the next one is tried.
func (root *resource) match(escapedPath string) (*resource, map[string]string, bool) {
	if !strings.HasPrefix(escapedPath, "/") {
		return nil, nil, false
	}
	segs := splitPath(escapedPath)
	decoded := make([]string, len(segs))
	for i, s := range segs {
		d, err := url.PathUnescape(s)
		if err != nil {
			return nil, nil, false
		}
		decoded[i] = d
	}
	params := map[string]string{}
	n, ok := root.walk(decoded, params)
	if !ok {
		return nil, nil, false
	}
	if len(params) == 0 {
		params = nil // API Gateway sends null, not {}
	}
	return n, params, true
}

func (n *resource) walk(segs []string, params map[string]string) (*resource, bool) {
	if len(segs) == 0 {
		return n, true
	}
	seg := segs[0]
	if next, ok := n.literal[seg]; ok && seg != "" {
		if m, ok := next.walk(segs[1:], params); ok {
			return m, true
		}
	}
	if n.param != nil && seg != "" {
		params[n.param.name] = seg
		if m, ok := n.param.walk(segs[1:], params); ok {
			return m, true
		}
		delete(params, n.param.name)
	}
	if n.greedy != nil && seg != "" {
		params[n.greedy.name] = strings.Join(segs, "/")
		return n.greedy, true
	}
	return nil, false
}

// lookup returns the method r.Method of n, falling back to ANY.
func (n *resource) lookup(httpMethod string) (method, bool) {
	if m, ok := n.methods[httpMethod]; ok {
		return m, true
	}
	m, ok := n.methods[methodAny]
	return m, ok
}
