package devstack

import "net/http"

// maxRequestHead is API Gateway's REST API quota on the request line and
// the header values together, 10,240 bytes ("Total combined size of
// request line and header values"; it cannot be raised). Header names
// count here too, so what passes locally passes in AWS.
const maxRequestHead = 10240

// requestHeadSize is the size of r's request line (method, target,
// protocol) and of its header fields' names and values, Host included.
func requestHeadSize(r *http.Request) int {
	target := r.RequestURI
	if target == "" {
		target = r.URL.RequestURI()
	}
	n := len(r.Method) + 1 + len(target) + 1 + len(r.Proto)
	if r.Host != "" {
		n += len("Host") + len(r.Host)
	}
	for name, values := range r.Header {
		for _, v := range values {
			n += len(name) + len(v)
		}
	}
	return n
}
