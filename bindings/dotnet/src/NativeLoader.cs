// Finding libmissive.so without LD_LIBRARY_PATH.
//
//   .NET 6/8 with the NuGet package: the runtime loads runtimes/linux-x64/native/libmissive.so
//     itself (the package's runtime asset). For other layouts (a checkout, a copied folder) this
//     class registers a NativeLibrary.SetDllImportResolver that tries, in order: the file named
//     by MISSIVE_NATIVE_LIBRARY, runtimes/<rid>/native/ beside Missive.dll, and Missive.dll's
//     own directory; then the runtime's default search.
//   Mono and .NET Framework (no NativeLibrary): Mono looks in Missive.dll's directory, so a
//     libmissive.so beside Missive.dll is found; for the runtimes/linux-x64/native/ layout,
//     Missive.dll.config (a dllmap, shipped beside Missive.dll) points there.
//
// NativeLibrary is not part of netstandard2.0, so it is reached by reflection; where it does not
// exist nothing is registered.
using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Missive
{
    internal static class NativeLoader
    {
        /// <summary>An explicit path to the native library, tried first (.NET 6+).</summary>
        internal const string PathVariable = "MISSIVE_NATIVE_LIBRARY";

        static MethodInfo tryLoad;

        internal static void Register()
        {
            try
            {
                var nl = typeof(DllImportAttribute).Assembly.GetType("System.Runtime.InteropServices.NativeLibrary")
                         ?? Type.GetType("System.Runtime.InteropServices.NativeLibrary, System.Runtime.InteropServices");
                if (nl == null) return; // Mono, .NET Framework: dllmap and the assembly's directory
                var resolverType = nl.Assembly.GetType("System.Runtime.InteropServices.DllImportResolver");
                var set = resolverType == null ? null : nl.GetMethod("SetDllImportResolver", new[] { typeof(Assembly), resolverType });
                tryLoad = nl.GetMethod("TryLoad", new[] { typeof(string), typeof(IntPtr).MakeByRefType() });
                if (set == null || tryLoad == null) return;
                var resolve = typeof(NativeLoader).GetMethod(nameof(Resolve), BindingFlags.NonPublic | BindingFlags.Static);
                set.Invoke(null, new object[] { typeof(NativeLoader).Assembly, Delegate.CreateDelegate(resolverType, resolve) });
            }
            catch (Exception)
            {
                // Registered already, or not possible: the runtime's default search remains.
            }
        }

        static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
        {
            if (libraryName != Native.Lib || tryLoad == null) return IntPtr.Zero;
            string dir = null;
            try { dir = Path.GetDirectoryName(assembly.Location); } catch (Exception) { }
            foreach (var candidate in Candidates(dir, Environment.GetEnvironmentVariable(PathVariable)))
            {
                if (!File.Exists(candidate)) continue;
                var args = new object[] { candidate, IntPtr.Zero };
                if ((bool)tryLoad.Invoke(null, args)) return (IntPtr)args[1];
            }
            return IntPtr.Zero; // the default search (and its DllNotFoundException)
        }

        /// <summary>Where to look, in order.</summary>
        internal static IEnumerable<string> Candidates(string assemblyDirectory, string explicitPath)
        {
            if (!string.IsNullOrEmpty(explicitPath)) yield return explicitPath;
            if (string.IsNullOrEmpty(assemblyDirectory)) yield break;
            string file = FileName();
            yield return Path.Combine(Path.Combine(Path.Combine(Path.Combine(assemblyDirectory, "runtimes"), Rid()), "native"), file);
            yield return Path.Combine(assemblyDirectory, file);
        }

        static bool IsWindows => Path.DirectorySeparatorChar == '\\';

        static string FileName() => IsWindows ? "missive.dll" : "libmissive.so";

        static string Rid() => (IsWindows ? "win-" : "linux-") + (IntPtr.Size == 8 ? "x64" : "x86");
    }
}
