// Package nsjailcfg loads nsjail's configuration: NsJailConfig files in
// protobuf text format or JSON, and nsjail's command-line flags, into a
// sandbox.Config. Errors point at the file's line and column.
package nsjailcfg

//go:generate sh -c "protoc --plugin=protoc-gen-go=$(go tool -n protoc-gen-go) --go_out=. --go_opt=paths=source_relative config.proto && mv config.pb.go zconfig.pb.go"
