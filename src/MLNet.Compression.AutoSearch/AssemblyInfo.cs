namespace MLNet.Compression.AutoSearch;
