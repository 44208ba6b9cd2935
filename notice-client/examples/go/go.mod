module github.com/privacybydesign/notice/notice-client/examples/go

go 1.19
