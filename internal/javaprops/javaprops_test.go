package javaprops

import "testing"

func TestRenderEscapes(t *testing.T) {
	got := Render(map[string]string{
		"b": `C:\x`, "a:b": " lead", "m": "x\ny",
		"sasl.jaas.config": `PlainLoginModule required username="a b" password="p=w:1#!";` + "\n\tü",
	})
	want := "a\\:b=\\ lead\nb=C:\\\\x\nm=x\\ny\n" +
		"sasl.jaas.config=PlainLoginModule required username=\"a b\" password=\"p=w:1#!\";\\n\\tü\n"
	if got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
