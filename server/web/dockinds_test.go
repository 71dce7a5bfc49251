package web

import (
	"testing"

	"hallq/server/queue"
)

// TestEveryDocumentKindHasAName: each kind the server accepts is offered on
// the forms by its own name, in Chinese and English.
func TestEveryDocumentKindHasAName(t *testing.T) {
	kinds := docKinds()
	if len(kinds) != len(queue.DocumentKinds) {
		t.Fatalf("%d choices for %d kinds", len(kinds), len(queue.DocumentKinds))
	}
	for i, k := range kinds {
		if k.ID != queue.DocumentKinds[i] {
			t.Errorf("choice %d is %q, want %q", i, k.ID, queue.DocumentKinds[i])
		}
		if name, ok := documentKindNames[k.ID]; !ok || name.ZH == "" || name.EN == "" {
			t.Errorf("%s has no name in both languages: %+v", k.ID, name)
		}
	}
	if len(documentKindNames) != len(queue.DocumentKinds) {
		t.Errorf("names for %d kinds, the server accepts %d", len(documentKindNames), len(queue.DocumentKinds))
	}
}
