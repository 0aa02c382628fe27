//! The only place where Rust objects become raw pointers for C and back.
//!
//! Each C handle type (`missive_client`, ...) is an opaque, zero-sized marker; [`Handle`] names the
//! Rust type that a pointer to it really points to.

/// Ties an opaque C type to the Rust type behind its pointers.
///
/// # Safety
/// Pointers of type `*const Self` handed to C must only ever be made by [`into_raw`] with a
/// `Self::Inner`.
pub(crate) unsafe trait Handle {
    type Inner;
}

/// Moves `inner` to the heap and gives C a pointer to it.
pub(crate) fn into_raw<H: Handle>(inner: H::Inner) -> *mut H {
    Box::into_raw(Box::new(inner)).cast::<H>()
}

/// Borrows the object behind a handle; `None` for NULL.
///
/// # Safety
/// `ptr` is NULL or was made by [`into_raw`] and not yet freed; the borrow must not outlive it.
pub(crate) unsafe fn borrow<'a, H: Handle>(ptr: *const H) -> Option<&'a H::Inner> {
    // SAFETY: by the caller's contract `ptr` is NULL or points to a live `H::Inner`.
    unsafe { ptr.cast::<H::Inner>().as_ref() }
}

/// Borrows the object behind a handle mutably; `None` for NULL.
///
/// # Safety
/// As [`borrow`], and no other reference to the object exists during the borrow (the handle
/// types that allow this are documented as "must not be used concurrently").
pub(crate) unsafe fn borrow_mut<'a, H: Handle>(ptr: *mut H) -> Option<&'a mut H::Inner> {
    // SAFETY: by the caller's contract `ptr` is NULL or points to a live, unaliased `H::Inner`.
    unsafe { ptr.cast::<H::Inner>().as_mut() }
}

/// Frees the object behind a handle; NULL is a no-op.
///
/// # Safety
/// `ptr` is NULL or was made by [`into_raw`] and is freed exactly once.
pub(crate) unsafe fn free<H: Handle>(ptr: *mut H) {
    if !ptr.is_null() {
        // SAFETY: by the caller's contract `ptr` came from `Box::into_raw` of an `H::Inner`.
        drop(unsafe { Box::from_raw(ptr.cast::<H::Inner>()) });
    }
}

/// A pointer to an object owned elsewhere (an element of a collection), typed as a handle.
pub(crate) fn as_handle<H: Handle>(inner: &H::Inner) -> *const H {
    (inner as *const H::Inner).cast::<H>()
}
