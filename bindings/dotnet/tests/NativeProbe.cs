// Loads the native library through Missive.dll and prints its version (dotnet_native_resolution).
using System;

static class NativeProbe
{
    static int Main()
    {
        Console.WriteLine("libmissive " + Missive.MissiveLibrary.Version);
        return 0;
    }
}
