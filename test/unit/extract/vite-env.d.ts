/// <reference types="vite/client" />
// import.meta.glob loads fixtures as strings inside workerd, where tests cannot read files.
