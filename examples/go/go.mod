module envelog.example/ingest

go 1.19
