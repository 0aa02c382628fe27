// The exceptions .NET programs expect, made from a result code and the handle's error text.
using System;
using System.IO;

namespace Missive
{
    internal static class Errors
    {
        /// <summary>The key under which every exception made here keeps its
        /// <see cref="MissiveResult"/> in <see cref="Exception.Data"/>.</summary>
        internal const string ResultKey = "MissiveResult";

        /// <summary>The exception for a failed call that took no path: a bad address is a
        /// <see cref="FormatException"/>, anything else a <see cref="MissiveException"/>.</summary>
        internal static Exception For(MissiveResult r, string detail) => For(r, detail, null);

        /// <summary>As <see cref="For(MissiveResult, string)"/>, for a call that took
        /// <paramref name="path"/>: a missing file is a <see cref="FileNotFoundException"/> (a
        /// missing directory on the way to it a <see cref="DirectoryNotFoundException"/>), a
        /// refused one an <see cref="UnauthorizedAccessException"/>, as System.IO's own calls
        /// throw.</summary>
        internal static Exception For(MissiveResult r, string detail, string path)
        {
            string text = string.IsNullOrEmpty(detail) ? MissiveLibrary.Describe(r) : detail;
            Exception e;
            if (r == MissiveResult.InvalidAddress)
                e = new FormatException(text);
            else if (r == MissiveResult.FileNotFound && path != null)
                e = MissingDirectory(path)
                    ? new DirectoryNotFoundException(text)
                    : (Exception)new FileNotFoundException(text, path);
            else if (r == MissiveResult.PermissionDenied && path != null)
                e = new UnauthorizedAccessException(text);
            else
                return new MissiveException(r, detail);
            e.Data[ResultKey] = r;
            return e;
        }

        static bool MissingDirectory(string path)
        {
            try
            {
                string dir = Path.GetDirectoryName(Path.GetFullPath(path));
                return !string.IsNullOrEmpty(dir) && !Directory.Exists(dir);
            }
            catch (Exception)
            {
                return false;
            }
        }
    }
}
