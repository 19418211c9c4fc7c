// Compiled only so that its target builds the precompiled headers the other targets reuse
// (cmake/LifelinePch.cmake).
