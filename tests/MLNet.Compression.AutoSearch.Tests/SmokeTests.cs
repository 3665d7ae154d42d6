namespace MLNet.Compression.AutoSearch.Tests;
