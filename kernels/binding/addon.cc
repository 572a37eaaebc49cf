// The native surface of kernels/, declared once (onnxruntime js/node's binding.ts style):
//   deviceInfo() -> { available, reason?, name?, computeCapability?, driverVersion?, runtimeVersion? }
//   memoryInfo() -> { free, total }   (free counts what the memory pool holds unused)
//   upload(typedArray, dtype, shape) -> DeviceTensor      zeros(dtype, shape) -> DeviceTensor
//   DeviceTensor: .dtype .shape .bytes .freed, download() -> Float32Array | Uint16Array, free()
//   ssdChunked(args), ssdStep(args), conv(args), gatedNorm(args): launch, synchronise, return outputs
//     (ssdChunked's args.kernel: auto, or kernel4, kernel3, kernel2 by name; its result names the one that ran)
//   timeSsdChunked(args, { warmup, reps }), timeSsdStep(...) -> device ms per rep (L2 flushed)
//   timeCopy({ from, to }, { warmup, reps }): a device copy of the same bytes, timed the same way
//   fillUniform(tensor, seed, lo, hi): benchmark inputs made on the device
// Every argument is checked here, before any launch (CHECK_SHAPE at the boundary); errors are
// JavaScript exceptions naming the argument, the expected and the actual value. Nothing in here
// aborts the process, and device memory is freed by free() or, at the latest, the finalizer.
#include <dlfcn.h>
#include <napi.h>

#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "../src/params.h"

namespace {

using ssdcheck::DType;

std::string shape_text(const std::vector<int64_t>& shape) {
  std::ostringstream out;
  out << "(";
  for (size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << ")";
  return out.str();
}

[[noreturn]] void fail(Napi::Env env, const std::string& argument, const std::string& expected, const std::string& actual) {
  throw Napi::Error::New(env, argument + ": expected " + expected + ", got " + actual);
}

void check_cuda(Napi::Env env, cudaError_t err, const std::string& what) {
  if (err != cudaSuccess) {
    cudaGetLastError();  // clear a sticky-free error so later calls are not poisoned
    throw Napi::Error::New(env, "CUDA error in " + what + ": " + cudaGetErrorName(err) + " (" + cudaGetErrorString(err) + ")");
  }
}

// Must match DTYPES in kernels/index.ts.
const char* dtype_name(DType d) { return d == DType::F32 ? "float32" : d == DType::F16 ? "float16" : "bfloat16"; }
size_t dtype_bytes(DType d) { return d == DType::F32 ? 4 : 2; }

DType parse_dtype(Napi::Env env, const Napi::Value& v, const std::string& argument) {
  const std::string s = v.IsString() ? v.As<Napi::String>().Utf8Value() : std::string("(not a string)");
  if (s == "float32") return DType::F32;
  if (s == "float16") return DType::F16;
  if (s == "bfloat16") return DType::BF16;
  fail(env, argument, "one of float32, float16, bfloat16", s);
}

// Why there is no usable device, or an empty string when there is one. cudart reports a
// machine without any NVIDIA driver as "driver version is insufficient"; say what it is.
std::string no_device_reason() {
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err == cudaSuccess && count > 0) return "";
  cudaGetLastError();
  if (err == cudaErrorInsufficientDriver) {
    void* driver = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_NOLOAD);
    if (!driver) driver = dlopen("libcuda.so.1", RTLD_LAZY);
    if (!driver) return "no CUDA device: no NVIDIA driver (libcuda.so.1 not found)";
    dlclose(driver);
  }
  return std::string("no CUDA device: ") + (err != cudaSuccess ? cudaGetErrorString(err) : "no device found");
}

void require_device(Napi::Env env) {
  const std::string reason = no_device_reason();
  if (!reason.empty()) throw Napi::Error::New(env, reason);
}

// Device tensors come from the device's default memory pool, stream-ordered on the default
// stream (where every launch and copy here runs), and freed memory stays in the pool: a
// cudaMalloc and cudaFree per output cost tens of microseconds a call and synchronise the
// device, and the pool's default release threshold (0) gave the memory back at every
// synchronisation. On failure the pool's unused memory is returned and the allocation tried
// once more.
cudaMemPool_t default_pool() {
  static cudaMemPool_t pool = [] {
    cudaMemPool_t p = nullptr;
    if (cudaDeviceGetDefaultMemPool(&p, 0) != cudaSuccess) {
      cudaGetLastError();
      return static_cast<cudaMemPool_t>(nullptr);
    }
    uint64_t keep_all = UINT64_MAX;
    cudaMemPoolSetAttribute(p, cudaMemPoolAttrReleaseThreshold, &keep_all);
    cudaGetLastError();
    return p;
  }();
  return pool;
}

cudaError_t pool_alloc(void** ptr, size_t bytes) {
  cudaMemPool_t pool = default_pool();
  cudaError_t err = cudaMallocAsync(ptr, bytes, nullptr);
  if (err == cudaErrorMemoryAllocation && pool) {
    cudaGetLastError();
    cudaStreamSynchronize(nullptr);
    cudaMemPoolTrimTo(pool, 0);
    err = cudaMallocAsync(ptr, bytes, nullptr);
  }
  return err;
}

// Free device memory as this process can use it: the driver's free memory plus what the pool
// holds unused.
cudaError_t device_memory(size_t* free_bytes, size_t* total) {
  const cudaError_t err = cudaMemGetInfo(free_bytes, total);
  if (err != cudaSuccess) return err;
  uint64_t reserved = 0, used = 0;
  if (cudaMemPool_t pool = default_pool()) {
    cudaMemPoolGetAttribute(pool, cudaMemPoolAttrReservedMemCurrent, &reserved);
    cudaMemPoolGetAttribute(pool, cudaMemPoolAttrUsedMemCurrent, &used);
  }
  *free_bytes += static_cast<size_t>(reserved - used);
  return cudaSuccess;
}

class DeviceTensor : public Napi::ObjectWrap<DeviceTensor> {
 public:
  static Napi::FunctionReference* constructor;

  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "DeviceTensor", {
      InstanceAccessor<&DeviceTensor::GetDtype>("dtype"),
      InstanceAccessor<&DeviceTensor::GetShape>("shape"),
      InstanceAccessor<&DeviceTensor::GetBytes>("bytes"),
      InstanceAccessor<&DeviceTensor::GetFreed>("freed"),
      InstanceMethod<&DeviceTensor::Download>("download"),
      InstanceMethod<&DeviceTensor::Free>("free"),
    });
  }

  // Only the addon creates tensors: `new DeviceTensor()` from JavaScript is refused.
  explicit DeviceTensor(const Napi::CallbackInfo& info) : Napi::ObjectWrap<DeviceTensor>(info) {
    if (info.Length() != 1 || !info[0].IsExternal()) throw Napi::TypeError::New(info.Env(), "DeviceTensor: created by upload() or zeros(), not by new");
  }

  ~DeviceTensor() override { release(); }

  static DeviceTensor* Create(Napi::Env env, DType dtype, std::vector<int64_t> shape, Napi::Object* out) {
    *out = constructor->New({Napi::External<void>::New(env, nullptr)});
    DeviceTensor* t = Unwrap(*out);
    t->dtype_ = dtype;
    t->shape_ = std::move(shape);
    size_t count = 1;
    for (int64_t d : t->shape_) count *= static_cast<size_t>(d);
    t->bytes_ = count * dtype_bytes(dtype);
    if (t->bytes_ > 0) {
      const cudaError_t err = pool_alloc(&t->ptr_, t->bytes_);
      if (err != cudaSuccess) {
        t->ptr_ = nullptr;
        cudaGetLastError();
        size_t free_bytes = 0, total = 0;
        device_memory(&free_bytes, &total);
        cudaGetLastError();
        throw Napi::Error::New(env, "out of device memory: asked for " + std::to_string(t->bytes_) + " bytes for " + shape_text(t->shape_) + ", " + std::to_string(free_bytes) + " of " + std::to_string(total) + " free (" + cudaGetErrorString(err) + ")");
      }
    }
    return t;
  }

  void* data(Napi::Env env, const std::string& argument) const {
    if (freed_) fail(env, argument, "a live DeviceTensor", "one already freed");
    return ptr_;
  }
  DType dtype() const { return dtype_; }
  const std::vector<int64_t>& shape() const { return shape_; }
  size_t bytes() const { return bytes_; }
  // Stream-ordered after every launch already made, so a kernel still writing it finishes first.
  void release() {
    if (ptr_) cudaFreeAsync(ptr_, nullptr);
    ptr_ = nullptr;
    freed_ = true;
  }

 private:
  Napi::Value GetDtype(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), dtype_name(dtype_)); }
  Napi::Value GetShape(const Napi::CallbackInfo& info) {
    Napi::Array a = Napi::Array::New(info.Env(), shape_.size());
    for (size_t i = 0; i < shape_.size(); ++i) a.Set(i, Napi::Number::New(info.Env(), static_cast<double>(shape_[i])));
    return a;
  }
  Napi::Value GetBytes(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), static_cast<double>(bytes_)); }
  Napi::Value GetFreed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), freed_); }
  Napi::Value Download(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    void* src = data(env, "tensor");
    const size_t count = bytes_ / dtype_bytes(dtype_);
    Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, bytes_);
    if (bytes_ > 0) check_cuda(env, cudaMemcpy(buffer.Data(), src, bytes_, cudaMemcpyDeviceToHost), "download");
    if (dtype_ == DType::F32) return Napi::Float32Array::New(env, count, buffer, 0);
    return Napi::Uint16Array::New(env, count, buffer, 0);
  }
  Napi::Value Free(const Napi::CallbackInfo& info) {
    release();
    return info.Env().Undefined();
  }

  void* ptr_ = nullptr;
  size_t bytes_ = 0;
  bool freed_ = false;
  DType dtype_ = DType::F32;
  std::vector<int64_t> shape_;
};

Napi::FunctionReference* DeviceTensor::constructor = nullptr;

std::vector<int64_t> parse_shape(Napi::Env env, const Napi::Value& v, const std::string& argument) {
  if (!v.IsArray()) fail(env, argument, "an array of sizes", "something else");
  Napi::Array a = v.As<Napi::Array>();
  if (a.Length() > 8) fail(env, argument, "at most 8 dimensions", std::to_string(a.Length()));
  std::vector<int64_t> shape;
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value d = a.Get(i);
    const double value = d.IsNumber() ? d.As<Napi::Number>().DoubleValue() : -1;
    if (!(value >= 0 && value <= 9007199254740991.0 && std::floor(value) == value)) fail(env, argument, "non-negative integer sizes", "a bad size at axis " + std::to_string(i));
    shape.push_back(static_cast<int64_t>(value));
  }
  return shape;
}

Napi::Value Upload(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  require_device(env);
  if (info.Length() != 3 || !info[0].IsTypedArray()) fail(env, "upload", "(typedArray, dtype, shape)", std::to_string(info.Length()) + " arguments");
  const DType dtype = parse_dtype(env, info[1], "dtype");
  const std::vector<int64_t> shape = parse_shape(env, info[2], "shape");
  Napi::TypedArray array = info[0].As<Napi::TypedArray>();
  const bool float_array = array.TypedArrayType() == napi_float32_array;
  const bool half_array = array.TypedArrayType() == napi_uint16_array;
  if ((dtype == DType::F32 && !float_array) || (dtype != DType::F32 && !half_array)) {
    fail(env, "data", dtype == DType::F32 ? "a Float32Array for float32" : "a Uint16Array (bits) for float16 and bfloat16", "another typed array");
  }
  size_t count = 1;
  for (int64_t d : shape) count *= static_cast<size_t>(d);
  if (array.ElementLength() != count) fail(env, "data", std::to_string(count) + " values for shape " + shape_text(shape), std::to_string(array.ElementLength()));
  Napi::Object out;
  DeviceTensor* t = DeviceTensor::Create(env, dtype, shape, &out);
  if (t->bytes() > 0) {
    const uint8_t* src = static_cast<const uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
    check_cuda(env, cudaMemcpy(t->data(env, "data"), src, t->bytes(), cudaMemcpyHostToDevice), "upload");
  }
  return out;
}

Napi::Value Zeros(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  require_device(env);
  if (info.Length() != 2) fail(env, "zeros", "(dtype, shape)", std::to_string(info.Length()) + " arguments");
  Napi::Object out;
  DeviceTensor* t = DeviceTensor::Create(env, parse_dtype(env, info[0], "dtype"), parse_shape(env, info[1], "shape"), &out);
  if (t->bytes() > 0) check_cuda(env, cudaMemset(t->data(env, "zeros"), 0, t->bytes()), "zeros");
  return out;
}

// An argument that must be a live DeviceTensor of a given dtype and shape.
DeviceTensor* tensor_arg(Napi::Env env, const Napi::Object& args, const char* name, bool optional = false) {
  Napi::Value v = args.Get(name);
  if (v.IsUndefined() || v.IsNull()) {
    if (optional) return nullptr;
    fail(env, name, "a DeviceTensor", "nothing");
  }
  if (!v.IsObject() || !v.As<Napi::Object>().InstanceOf(DeviceTensor::constructor->Value())) fail(env, name, "a DeviceTensor", "another value");
  DeviceTensor* t = DeviceTensor::Unwrap(v.As<Napi::Object>());
  t->data(env, name);  // refuses freed tensors
  return t;
}

void expect(Napi::Env env, const char* name, const DeviceTensor* t, const std::vector<int64_t>& shape, DType dtype) {
  if (t->shape() != shape) fail(env, name, "shape " + shape_text(shape), shape_text(t->shape()));
  if (t->dtype() != dtype) fail(env, name, std::string("dtype ") + dtype_name(dtype), dtype_name(t->dtype()));
}

int64_t int_arg(Napi::Env env, const Napi::Object& args, const char* name, int64_t min, int64_t max) {
  Napi::Value v = args.Get(name);
  const double value = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
  if (!(value >= min && value <= max && std::floor(value) == value)) fail(env, name, "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]", v.IsNumber() ? std::to_string(value) : "not a number");
  return static_cast<int64_t>(value);
}

float float_arg(Napi::Env env, const Napi::Object& args, const char* name, float fallback) {
  Napi::Value v = args.Get(name);
  if (v.IsUndefined()) return fallback;
  if (!v.IsNumber() || std::isnan(v.As<Napi::Number>().DoubleValue())) fail(env, name, "a number", "something else");
  return v.As<Napi::Number>().FloatValue();
}

void limits(Napi::Env env, const Napi::Object& args, float* lo, float* hi) {
  *lo = float_arg(env, args, "dtLo", 0.f);
  *hi = float_arg(env, args, "dtHi", INFINITY);
  if (!(*lo >= 0.f && *hi >= *lo)) fail(env, "dtLo/dtHi", "0 <= lo <= hi", std::to_string(*lo) + ", " + std::to_string(*hi));
}

Napi::Object args_of(const Napi::CallbackInfo& info, const char* fn) {
  if (info.Length() != 1 || !info[0].IsObject()) fail(info.Env(), fn, "one object of named arguments", std::to_string(info.Length()) + " arguments");
  return info[0].As<Napi::Object>();
}

void finish(Napi::Env env, cudaError_t launched, const char* what) {
  check_cuda(env, launched, std::string(what) + " launch");
  check_cuda(env, cudaDeviceSynchronize(), what);
}

// The per-head parameters both SSD entry points take: A (h), dtBias (h), D (h) or none.
struct HeadArgs {
  const float* A;
  const float* dt_bias;
  const float* D;
};

HeadArgs head_args(Napi::Env env, const Napi::Object& a, int64_t h) {
  DeviceTensor* A = tensor_arg(env, a, "A");
  expect(env, "A", A, {h}, DType::F32);
  DeviceTensor* dt_bias = tensor_arg(env, a, "dtBias");
  expect(env, "dtBias", dt_bias, {h}, DType::F32);
  DeviceTensor* D = tensor_arg(env, a, "D", true);
  if (D) expect(env, "D", D, {h}, DType::F32);
  return {static_cast<const float*>(A->data(env, "A")), static_cast<const float*>(dt_bias->data(env, "dtBias")), D ? static_cast<const float*>(D->data(env, "D")) : nullptr};
}

// Must match CHUNKED_KERNELS in kernels/native.ts.
std::string chunked_kernel_name(ssdcheck::ChunkedKernel k) {
  switch (k) {
    case ssdcheck::ChunkedKernel::Kernel4: return "kernel4";
    case ssdcheck::ChunkedKernel::Kernel3: return "kernel3";
    case ssdcheck::ChunkedKernel::Kernel2: return "kernel2";
    default: return "auto";
  }
}

// kernel: "auto" (default) or one chunked forward by name.
ssdcheck::ChunkedKernel chunked_kernel_arg(Napi::Env env, const Napi::Object& args) {
  const Napi::Value v = args.Get("kernel");
  if (v.IsUndefined()) return ssdcheck::ChunkedKernel::Auto;
  const std::string name = v.IsString() ? v.As<Napi::String>().Utf8Value() : std::string("(not a string)");
  for (auto k : {ssdcheck::ChunkedKernel::Auto, ssdcheck::ChunkedKernel::Kernel4, ssdcheck::ChunkedKernel::Kernel3, ssdcheck::ChunkedKernel::Kernel2}) {
    if (name == chunked_kernel_name(k)) return k;
  }
  fail(env, "kernel", "one of auto, kernel4, kernel3, kernel2", name);
}

// x and B define the dims: x (b, [l,] h, p) and B (b, [l,] g, n) with g dividing h.
void check_x_B(Napi::Env env, const DeviceTensor* x, const DeviceTensor* B, bool sequence) {
  const size_t rank = sequence ? 4 : 3;
  if (x->shape().size() != rank) fail(env, "x", sequence ? "a 4-d tensor (b, l, h, p)" : "a 3-d tensor (b, h, p)", shape_text(x->shape()));
  if (B->shape().size() != rank) fail(env, "B", sequence ? "a 4-d tensor (b, l, g, n)" : "a 3-d tensor (b, g, n)", shape_text(B->shape()));
  for (int64_t d : x->shape()) {
    if (d < 1) fail(env, "x", sequence ? "b, l, h, p >= 1" : "b, h, p >= 1", shape_text(x->shape()));
  }
  const int64_t h = x->shape()[rank - 2], g = B->shape()[rank - 2], n = B->shape()[rank - 1];
  if (g < 1 || n < 1 || h % g != 0) fail(env, "B", "a group count g dividing h = " + std::to_string(h) + " and n >= 1", shape_text(B->shape()));
}

// A checked chunked-SSD launch: its params and the output tensors it writes.
struct ChunkedLaunch {
  ssdcheck::SsdParams params;
  Napi::Object y, final_state;
};

ChunkedLaunch prepare_chunked(Napi::Env env, const Napi::Object& a) {
  DeviceTensor* x = tensor_arg(env, a, "x");
  DeviceTensor* B = tensor_arg(env, a, "B");
  check_x_B(env, x, B, true);
  const int64_t b = x->shape()[0], l = x->shape()[1], h = x->shape()[2], p = x->shape()[3];
  const int64_t g = B->shape()[2], n = B->shape()[3];
  const DType dtype = x->dtype();
  expect(env, "B", B, {b, l, g, n}, dtype);
  DeviceTensor* C = tensor_arg(env, a, "C");
  expect(env, "C", C, {b, l, g, n}, dtype);
  DeviceTensor* dt = tensor_arg(env, a, "dt");
  expect(env, "dt", dt, {b, l, h}, DType::F32);
  const HeadArgs heads = head_args(env, a, h);
  DeviceTensor* s0 = tensor_arg(env, a, "initialState", true);
  if (s0) expect(env, "initialState", s0, {b, h, p, n}, DType::F32);
  ssdcheck::SsdParams params{};
  params.batch = b; params.length = l; params.heads = h; params.head_dim = p; params.groups = g; params.state_size = n;
  params.chunk_size = int_arg(env, a, "chunkSize", 1, 1024);
  limits(env, a, &params.dt_lo, &params.dt_hi);
  params.dtype = dtype;
  params.kernel = chunked_kernel_arg(env, a);
  if (!ssdcheck::ssd_chunked_takes(params, params.kernel)) {
    fail(env, "kernel", "a kernel that takes this dtype and shape (kernel4: bf16 with p, n multiples of 8, or float32 or float16 (widened to float32) with multiples of 4, up to 64 and 128; kernel3: p <= 64, n <= 128)",
         chunked_kernel_name(params.kernel) + " for " + dtype_name(dtype) + " p = " + std::to_string(p) + ", n = " + std::to_string(n));
  }
  int device = 0, max_shared = 0;
  check_cuda(env, cudaGetDevice(&device), "cudaGetDevice");
  check_cuda(env, cudaDeviceGetAttribute(&max_shared, cudaDevAttrMaxSharedMemoryPerBlockOptin, device), "cudaDeviceGetAttribute");
  // kernel2 keeps a thread's share of one chunk state (p * n / 256 values) in registers.
  if (p * n > 8192) fail(env, "x, B", "p * n <= 8192 (head dim times state size)", std::to_string(p * n));
  const size_t shared = ssdcheck::ssd_chunked_shared_bytes(params);
  if (shared > static_cast<size_t>(max_shared)) fail(env, "x, B, chunkSize", "the chunk's x, its starting state and working rows within " + std::to_string(max_shared) + " bytes of shared memory", std::to_string(shared) + " bytes");
  Napi::Object y, final_state;
  DeviceTensor* yt = DeviceTensor::Create(env, dtype, {b, l, h, p}, &y);
  DeviceTensor* st = DeviceTensor::Create(env, DType::F32, {b, h, p, n}, &final_state);
  params.x = x->data(env, "x"); params.B = B->data(env, "B"); params.C = C->data(env, "C");
  params.dt = static_cast<const float*>(dt->data(env, "dt"));
  params.A = heads.A; params.dt_bias = heads.dt_bias; params.D = heads.D;
  params.initial_state = s0 ? static_cast<const float*>(s0->data(env, "initialState")) : nullptr;
  params.y = yt->data(env, "y"); params.final_state = static_cast<float*>(st->data(env, "finalState"));
  return {params, y, final_state};
}

// ssdChunked({ x, dt, A, B, C, D?, dtBias, initialState?, chunkSize, dtLo?, dtHi? }) -> { y, finalState }
Napi::Value SsdChunked(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  require_device(env);
  ChunkedLaunch launch = prepare_chunked(env, args_of(info, "ssdChunked"));
  finish(env, ssdcheck::launch_ssd_chunked(launch.params, nullptr), "ssdChunked");
  Napi::Object out = Napi::Object::New(env);
  out.Set("y", launch.y);
  out.Set("finalState", launch.final_state);
  out.Set("kernel", chunked_kernel_name(ssdcheck::ssd_chunked_kernel(launch.params)));
  return out;
}

struct StepLaunch {
  ssdcheck::StepParams params;
  Napi::Object y;
};

StepLaunch prepare_step(Napi::Env env, const Napi::Object& a) {
  DeviceTensor* x = tensor_arg(env, a, "x");
  DeviceTensor* B = tensor_arg(env, a, "B");
  check_x_B(env, x, B, false);
  const int64_t b = x->shape()[0], h = x->shape()[1], p = x->shape()[2], g = B->shape()[1], n = B->shape()[2];
  const DType dtype = x->dtype();
  expect(env, "B", B, {b, g, n}, dtype);
  DeviceTensor* C = tensor_arg(env, a, "C");
  expect(env, "C", C, {b, g, n}, dtype);
  DeviceTensor* state = tensor_arg(env, a, "state");
  expect(env, "state", state, {b, h, p, n}, DType::F32);
  DeviceTensor* dt = tensor_arg(env, a, "dt");
  expect(env, "dt", dt, {b, h}, DType::F32);
  const HeadArgs heads = head_args(env, a, h);
  // The step's grid is (heads, batch): CUDA allows 65535 in y.
  if (b > 65535) fail(env, "x", "a batch of at most 65535", std::to_string(b));
  ssdcheck::StepParams params{};
  params.batch = b; params.heads = h; params.head_dim = p; params.groups = g; params.state_size = n;
  limits(env, a, &params.dt_lo, &params.dt_hi);
  Napi::Object y;
  DeviceTensor* yt = DeviceTensor::Create(env, dtype, {b, h, p}, &y);
  params.state = static_cast<float*>(state->data(env, "state"));
  params.x = x->data(env, "x"); params.B = B->data(env, "B"); params.C = C->data(env, "C");
  params.dt = static_cast<const float*>(dt->data(env, "dt"));
  params.A = heads.A; params.dt_bias = heads.dt_bias; params.D = heads.D;
  params.y = yt->data(env, "y");
  params.dtype = dtype;
  return {params, y};
}

// ssdStep({ state, x, dt, A, B, C, D?, dtBias, dtLo?, dtHi? }) -> y; state updated in place
Napi::Value SsdStep(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  require_device(env);
  StepLaunch launch = prepare_step(env, args_of(info, "ssdStep"));
  finish(env, ssdcheck::launch_ssd_step(launch.params, nullptr), "ssdStep");
  return launch.y;
}

// conv({ x, weight, bias?, tail? }) -> { out, tail }
Napi::Value Conv(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  require_device(env);
  Napi::Object a = args_of(info, "conv");
  DeviceTensor* x = tensor_arg(env, a, "x");
  DeviceTensor* w = tensor_arg(env, a, "weight");
  if (x->shape().size() != 3) fail(env, "x", "a 3-d tensor (b, l, C)", shape_text(x->shape()));
  if (w->shape().size() != 2) fail(env, "weight", "a 2-d tensor (C, K)", shape_text(w->shape()));
  const int64_t b = x->shape()[0], l = x->shape()[1], c = x->shape()[2], k = w->shape()[1];
  if (b < 1 || l < 1 || c < 1) fail(env, "x", "b, l, C >= 1", shape_text(x->shape()));
  if (k < 2 || k > 64) fail(env, "weight", "a kernel size K in [2, 64]", std::to_string(k));
  expect(env, "weight", w, {c, k}, DType::F32);
  DeviceTensor* bias = tensor_arg(env, a, "bias", true);
  if (bias) expect(env, "bias", bias, {c}, DType::F32);
  DeviceTensor* tail = tensor_arg(env, a, "tail", true);
  if (tail) expect(env, "tail", tail, {b, k - 1, c}, DType::F32);
  Napi::Object out, next_tail;
  DeviceTensor* ot = DeviceTensor::Create(env, x->dtype(), {b, l, c}, &out);
  DeviceTensor* nt = DeviceTensor::Create(env, DType::F32, {b, k - 1, c}, &next_tail);
  ssdcheck::ConvParams params{};
  params.batch = b; params.length = l; params.channels = c; params.kernel = k;
  params.x = x->data(env, "x");
  params.tail = tail ? static_cast<const float*>(tail->data(env, "tail")) : nullptr;
  params.weight = static_cast<const float*>(w->data(env, "weight"));
  params.bias = bias ? static_cast<const float*>(bias->data(env, "bias")) : nullptr;
  params.out = ot->data(env, "out");
  params.next_tail = static_cast<float*>(nt->data(env, "tail"));
  params.dtype = x->dtype();
  finish(env, ssdcheck::launch_conv(params, nullptr), "conv");
  Napi::Object result = Napi::Object::New(env);
  result.Set("out", out);
  result.Set("tail", next_tail);
  return result;
}

// gatedNorm({ y, z, weight, groupSize, eps }) -> out
Napi::Value GatedNorm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  require_device(env);
  Napi::Object a = args_of(info, "gatedNorm");
  DeviceTensor* y = tensor_arg(env, a, "y");
  if (y->shape().size() != 2) fail(env, "y", "a 2-d tensor (rows, I)", shape_text(y->shape()));
  const int64_t rows = y->shape()[0], width = y->shape()[1];
  if (rows < 1 || width < 1) fail(env, "y", "rows, I >= 1", shape_text(y->shape()));
  DeviceTensor* z = tensor_arg(env, a, "z");
  expect(env, "z", z, {rows, width}, y->dtype());
  DeviceTensor* w = tensor_arg(env, a, "weight");
  expect(env, "weight", w, {width}, DType::F32);
  const int64_t group = int_arg(env, a, "groupSize", 1, width);
  if (width % group != 0) fail(env, "groupSize", "a divisor of I = " + std::to_string(width), std::to_string(group));
  ssdcheck::GatedNormParams params{};
  params.rows = rows; params.width = width; params.group_size = group;
  params.eps = float_arg(env, a, "eps", 1e-5f);
  if (!(params.eps >= 0.f)) fail(env, "eps", "a number >= 0", std::to_string(params.eps));
  Napi::Object out;
  DeviceTensor* ot = DeviceTensor::Create(env, y->dtype(), {rows, width}, &out);
  params.y = y->data(env, "y"); params.z = z->data(env, "z");
  params.weight = static_cast<const float*>(w->data(env, "weight"));
  params.out = ot->data(env, "out");
  params.dtype = y->dtype();
  finish(env, ssdcheck::launch_gated_norm(params, nullptr), "gatedNorm");
  return out;
}

// Device time of `launch`, repeated: CUDA events around each launch, the L2 cache flushed
// (a memset of twice its size) before each, after `warmup` untimed runs. Returns ms per rep.
template <typename Launch>
Napi::Value time_launches(Napi::Env env, const Napi::Object& options, Launch launch, const char* what) {
  const int64_t warmup = int_arg(env, options, "warmup", 0, 1000);
  const int64_t reps = int_arg(env, options, "reps", 1, 10000);
  int device = 0, l2 = 0;
  check_cuda(env, cudaGetDevice(&device), "cudaGetDevice");
  check_cuda(env, cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, device), "cudaDeviceGetAttribute");
  void* flush = nullptr;
  const size_t flush_bytes = 2 * static_cast<size_t>(l2);
  check_cuda(env, cudaMalloc(&flush, flush_bytes), "the L2 flush buffer");
  cudaEvent_t start = nullptr, stop = nullptr;
  std::vector<double> ms;
  cudaError_t err = cudaEventCreate(&start);
  if (err == cudaSuccess) err = cudaEventCreate(&stop);
  for (int64_t i = 0; err == cudaSuccess && i < warmup; ++i) err = launch();
  for (int64_t i = 0; err == cudaSuccess && i < reps; ++i) {
    err = cudaMemsetAsync(flush, i & 0xff, flush_bytes, nullptr);
    if (err == cudaSuccess) err = cudaEventRecord(start, nullptr);
    if (err == cudaSuccess) err = launch();
    if (err == cudaSuccess) err = cudaEventRecord(stop, nullptr);
    if (err == cudaSuccess) err = cudaEventSynchronize(stop);
    float elapsed = 0.f;
    if (err == cudaSuccess) err = cudaEventElapsedTime(&elapsed, start, stop);
    ms.push_back(elapsed);
  }
  if (err == cudaSuccess) err = cudaDeviceSynchronize();
  if (start) cudaEventDestroy(start);
  if (stop) cudaEventDestroy(stop);
  cudaFree(flush);  // freed before any throw: nothing leaks
  check_cuda(env, err, what);
  Napi::Array out = Napi::Array::New(env, ms.size());
  for (size_t i = 0; i < ms.size(); ++i) out.Set(i, Napi::Number::New(env, ms[i]));
  return out;
}

// The outputs a timing call makes for its launches, freed when the call returns or throws. Left
// to the garbage collector, which does not see device memory, they stayed: a full bench:gpu
// sweep held 148 GB of them and ran out of memory (2026-11-30).
class TimingOutputs {
 public:
  explicit TimingOutputs(std::initializer_list<Napi::Object> outputs) {
    for (const Napi::Object& o : outputs) tensors_.push_back(DeviceTensor::Unwrap(o));
  }
  ~TimingOutputs() {
    for (DeviceTensor* t : tensors_) t->release();
  }
  TimingOutputs(const TimingOutputs&) = delete;
  TimingOutputs& operator=(const TimingOutputs&) = delete;

 private:
  std::vector<DeviceTensor*> tensors_;
};

// timeSsdChunked(args, { warmup, reps }) -> ms[]   (args as ssdChunked)
Napi::Value TimeSsdChunked(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  require_device(env);
  if (info.Length() != 2 || !info[0].IsObject() || !info[1].IsObject()) fail(env, "timeSsdChunked", "(args, { warmup, reps })", std::to_string(info.Length()) + " arguments");
  ChunkedLaunch launch = prepare_chunked(env, info[0].As<Napi::Object>());
  const TimingOutputs outputs{launch.y, launch.final_state};
  return time_launches(env, info[1].As<Napi::Object>(), [&] { return ssdcheck::launch_ssd_chunked(launch.params, nullptr); }, "timeSsdChunked");
}

// timeSsdStep(args, { warmup, reps }) -> ms[]   (args as ssdStep; the state keeps stepping)
Napi::Value TimeSsdStep(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  require_device(env);
  if (info.Length() != 2 || !info[0].IsObject() || !info[1].IsObject()) fail(env, "timeSsdStep", "(args, { warmup, reps })", std::to_string(info.Length()) + " arguments");
  StepLaunch launch = prepare_step(env, info[0].As<Napi::Object>());
  const TimingOutputs outputs{launch.y};
  return time_launches(env, info[1].As<Napi::Object>(), [&] { return ssdcheck::launch_ssd_step(launch.params, nullptr); }, "timeSsdStep");
}

// timeCopy({ from, to }, { warmup, reps }) -> ms[]: a device-to-device copy of `from` into `to`
// (the same byte count), timed as the kernels are: the bandwidth ceiling of a move of the
// same size in the same harness, for the decode step's share of copy.
Napi::Value TimeCopy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  require_device(env);
  if (info.Length() != 2 || !info[0].IsObject() || !info[1].IsObject()) fail(env, "timeCopy", "({ from, to }, { warmup, reps })", std::to_string(info.Length()) + " arguments");
  const Napi::Object a = info[0].As<Napi::Object>();
  DeviceTensor* from = tensor_arg(env, a, "from");
  DeviceTensor* to = tensor_arg(env, a, "to");
  if (to->bytes() != from->bytes()) fail(env, "to", std::to_string(from->bytes()) + " bytes (as from)", std::to_string(to->bytes()) + " bytes");
  const void* src = from->data(env, "from");
  void* dst = to->data(env, "to");
  const size_t bytes = from->bytes();
  return time_launches(env, info[1].As<Napi::Object>(), [&] { return cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, nullptr); }, "timeCopy");
}

// fillUniform(tensor, seed, lo, hi): pseudo-random values made on the device.
Napi::Value FillUniform(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  require_device(env);
  if (info.Length() != 4) fail(env, "fillUniform", "(tensor, seed, lo, hi)", std::to_string(info.Length()) + " arguments");
  Napi::Object args = Napi::Object::New(env);
  args.Set("tensor", info[0]);
  args.Set("seed", info[1]);
  args.Set("lo", info[2]);
  args.Set("hi", info[3]);
  DeviceTensor* t = tensor_arg(env, args, "tensor");
  const int64_t seed = int_arg(env, args, "seed", 0, 9007199254740991LL);
  const float lo = float_arg(env, args, "lo", 0.f), hi = float_arg(env, args, "hi", 1.f);
  if (!(std::isfinite(lo) && std::isfinite(hi) && lo <= hi)) fail(env, "lo/hi", "finite lo <= hi", std::to_string(lo) + ", " + std::to_string(hi));
  const int64_t count = static_cast<int64_t>(t->bytes() / dtype_bytes(t->dtype()));
  if (count > 0) finish(env, ssdcheck::launch_fill(t->data(env, "tensor"), count, t->dtype(), static_cast<uint64_t>(seed), lo, hi, nullptr), "fillUniform");
  return env.Undefined();
}

Napi::Value DeviceInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  int runtime = 0, driver = 0, count = 0;
  cudaRuntimeGetVersion(&runtime);
  out.Set("runtimeVersion", runtime);
  const std::string reason = no_device_reason();
  if (!reason.empty()) {
    out.Set("available", false);
    out.Set("reason", reason);
    return out;
  }
  cudaGetDeviceCount(&count);
  cudaDriverGetVersion(&driver);
  cudaDeviceProp prop{};
  check_cuda(env, cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties");
  out.Set("available", true);
  out.Set("name", prop.name);
  out.Set("computeCapability", std::to_string(prop.major) + "." + std::to_string(prop.minor));
  out.Set("driverVersion", driver);
  out.Set("devices", count);
  return out;
}

Napi::Value MemoryInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  require_device(env);
  size_t free_bytes = 0, total = 0;
  check_cuda(env, device_memory(&free_bytes, &total), "cudaMemGetInfo");
  Napi::Object out = Napi::Object::New(env);
  out.Set("free", static_cast<double>(free_bytes));
  out.Set("total", static_cast<double>(total));
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  Napi::Function tensor = DeviceTensor::Init(env);
  DeviceTensor::constructor = new Napi::FunctionReference(Napi::Persistent(tensor));
  exports.Set("DeviceTensor", tensor);
  exports.Set("deviceInfo", Napi::Function::New(env, DeviceInfo));
  exports.Set("memoryInfo", Napi::Function::New(env, MemoryInfo));
  exports.Set("upload", Napi::Function::New(env, Upload));
  exports.Set("zeros", Napi::Function::New(env, Zeros));
  exports.Set("ssdChunked", Napi::Function::New(env, SsdChunked));
  exports.Set("ssdStep", Napi::Function::New(env, SsdStep));
  exports.Set("conv", Napi::Function::New(env, Conv));
  exports.Set("gatedNorm", Napi::Function::New(env, GatedNorm));
  exports.Set("timeSsdChunked", Napi::Function::New(env, TimeSsdChunked));
  exports.Set("timeSsdStep", Napi::Function::New(env, TimeSsdStep));
  exports.Set("timeCopy", Napi::Function::New(env, TimeCopy));
  exports.Set("fillUniform", Napi::Function::New(env, FillUniform));
  return exports;
}

}  // namespace

NODE_API_MODULE(ssdcheck_kernels, Init)
