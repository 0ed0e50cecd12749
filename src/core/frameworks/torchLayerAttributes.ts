/**
 * The attribute names each torch.nn layer class has beyond nn.Module's own, in torch 1.13: class
 * attributes, what its constructors set, registered parameters and buffers. A name a listed class
 * lacks (and nn.Module lacks) raises AttributeError on it, as in PyTorch, so
 * `hasattr(nn.Identity(), 'reset_parameters')` is False rather than unknown; a class not listed
 * (newer than torch 1.13) is not judged. Derived from torch itself by
 * test/oracle/torch_layer_attributes.py; a unit test re-derives it wherever torch is installed.
 */

const byClass: Readonly<Record<string, string>> = {
  AdaptiveAvgPool1d: '__constants__ output_size',
  AdaptiveAvgPool2d: '__constants__ output_size',
  AdaptiveAvgPool3d: '__constants__ output_size',
  AdaptiveLogSoftmaxWithLoss:
    '_get_full_log_prob cutoffs div_value head head_bias head_size in_features log_prob n_classes n_clusters ' +
    'predict reset_parameters shortlist_size tail',
  AdaptiveMaxPool1d: '__constants__ output_size return_indices',
  AdaptiveMaxPool2d: '__constants__ output_size return_indices',
  AdaptiveMaxPool3d: '__constants__ output_size return_indices',
  AlphaDropout: '__constants__ inplace p',
  AvgPool1d: '__constants__ ceil_mode count_include_pad kernel_size padding stride',
  AvgPool2d: '__constants__ ceil_mode count_include_pad divisor_override kernel_size padding stride',
  AvgPool3d: '__constants__ ceil_mode count_include_pad divisor_override kernel_size padding stride',
  BCELoss: '__constants__ reduction weight',
  BCEWithLogitsLoss: 'pos_weight reduction weight',
  BatchNorm1d:
    '__constants__ _check_input_dim affine bias eps momentum num_batches_tracked num_features ' +
    'reset_parameters reset_running_stats running_mean running_var track_running_stats weight',
  BatchNorm2d:
    '__constants__ _check_input_dim affine bias eps momentum num_batches_tracked num_features ' +
    'reset_parameters reset_running_stats running_mean running_var track_running_stats weight',
  BatchNorm3d:
    '__constants__ _check_input_dim affine bias eps momentum num_batches_tracked num_features ' +
    'reset_parameters reset_running_stats running_mean running_var track_running_stats weight',
  Bilinear: '__constants__ bias in1_features in2_features out_features reset_parameters weight',
  CELU: '__constants__ alpha inplace',
  CTCLoss: '__constants__ blank reduction zero_infinity',
  ChannelShuffle: '__constants__ groups',
  ConstantPad1d: '__constants__ padding value',
  ConstantPad2d: '__constants__ padding value',
  ConstantPad3d: '__constants__ padding value',
  Container: '',
  Conv1d:
    '__constants__ _conv_forward _reversed_padding_repeated_twice bias dilation groups in_channels ' +
    'kernel_size out_channels output_padding padding padding_mode reset_parameters stride transposed weight',
  Conv2d:
    '__constants__ _conv_forward _reversed_padding_repeated_twice bias dilation groups in_channels ' +
    'kernel_size out_channels output_padding padding padding_mode reset_parameters stride transposed weight',
  Conv3d:
    '__constants__ _conv_forward _reversed_padding_repeated_twice bias dilation groups in_channels ' +
    'kernel_size out_channels output_padding padding padding_mode reset_parameters stride transposed weight',
  ConvTranspose1d:
    '__constants__ _conv_forward _output_padding _reversed_padding_repeated_twice bias dilation groups ' +
    'in_channels kernel_size out_channels output_padding padding padding_mode reset_parameters stride ' +
    'transposed weight',
  ConvTranspose2d:
    '__constants__ _conv_forward _output_padding _reversed_padding_repeated_twice bias dilation groups ' +
    'in_channels kernel_size out_channels output_padding padding padding_mode reset_parameters stride ' +
    'transposed weight',
  ConvTranspose3d:
    '__constants__ _conv_forward _output_padding _reversed_padding_repeated_twice bias dilation groups ' +
    'in_channels kernel_size out_channels output_padding padding padding_mode reset_parameters stride ' +
    'transposed weight',
  CosineEmbeddingLoss: '__constants__ margin reduction',
  CosineSimilarity: '__constants__ dim eps',
  CrossEntropyLoss: '__constants__ ignore_index label_smoothing reduction weight',
  CrossMapLRN2d: 'alpha beta k size',
  DataParallel: 'device_ids dim gather module output_device parallel_apply replicate scatter src_device_obj',
  Dropout: '__constants__ inplace p',
  Dropout1d: '__constants__ inplace p',
  Dropout2d: '__constants__ inplace p',
  Dropout3d: '__constants__ inplace p',
  ELU: '__constants__ alpha inplace',
  Embedding:
    '__constants__ _fill_padding_idx_with_zero embedding_dim from_pretrained max_norm norm_type ' +
    'num_embeddings padding_idx reset_parameters scale_grad_by_freq sparse weight',
  EmbeddingBag:
    '__constants__ _fill_padding_idx_with_zero embedding_dim from_pretrained include_last_offset max_norm ' +
    'mode norm_type num_embeddings padding_idx reset_parameters scale_grad_by_freq sparse weight',
  FeatureAlphaDropout: '__constants__ inplace p',
  Flatten: '__constants__ end_dim start_dim',
  Fold: '__constants__ dilation kernel_size output_size padding stride',
  FractionalMaxPool2d: '__constants__ _random_samples kernel_size output_ratio output_size return_indices',
  FractionalMaxPool3d: '__constants__ _random_samples kernel_size output_ratio output_size return_indices',
  GELU: '__constants__ approximate',
  GLU: '__constants__ dim',
  GRU:
    '__constants__ __jit_unused_properties__ _all_weights _flat_weights _flat_weights_names all_weights ' +
    'batch_first bias bidirectional check_forward_args check_hidden_size check_input dropout ' +
    'flatten_parameters get_expected_hidden_size hidden_size input_size mode num_layers permute_hidden ' +
    'proj_size reset_parameters weight',
  GRUCell: '__constants__ bias bias_hh bias_ih hidden_size input_size reset_parameters weight_hh weight_ih',
  GaussianNLLLoss: '__constants__ eps full reduction',
  GroupNorm: '__constants__ affine bias eps num_channels num_groups reset_parameters weight',
  Hardshrink: '__constants__ lambd',
  Hardsigmoid: '__constants__ inplace',
  Hardswish: '__constants__ inplace',
  Hardtanh: '__constants__ inplace max_val min_val',
  HingeEmbeddingLoss: '__constants__ margin reduction',
  HuberLoss: '__constants__ delta reduction',
  Identity: '',
  InstanceNorm1d:
    '__constants__ _apply_instance_norm _check_input_dim _get_no_batch_dim _handle_no_batch_input affine bias ' +
    'eps momentum num_batches_tracked num_features reset_parameters reset_running_stats running_mean ' +
    'running_var track_running_stats weight',
  InstanceNorm2d:
    '__constants__ _apply_instance_norm _check_input_dim _get_no_batch_dim _handle_no_batch_input affine bias ' +
    'eps momentum num_batches_tracked num_features reset_parameters reset_running_stats running_mean ' +
    'running_var track_running_stats weight',
  InstanceNorm3d:
    '__constants__ _apply_instance_norm _check_input_dim _get_no_batch_dim _handle_no_batch_input affine bias ' +
    'eps momentum num_batches_tracked num_features reset_parameters reset_running_stats running_mean ' +
    'running_var track_running_stats weight',
  KLDivLoss: '__constants__ log_target reduction',
  L1Loss: '__constants__ reduction',
  LPPool1d: '__constants__ ceil_mode kernel_size norm_type stride',
  LPPool2d: '__constants__ ceil_mode kernel_size norm_type stride',
  LSTM:
    '__constants__ __jit_unused_properties__ _all_weights _flat_weights _flat_weights_names all_weights ' +
    'batch_first bias bidirectional check_forward_args check_hidden_size check_input dropout ' +
    'flatten_parameters get_expected_cell_size get_expected_hidden_size hidden_size input_size mode ' +
    'num_layers permute_hidden proj_size reset_parameters weight',
  LSTMCell: '__constants__ bias bias_hh bias_ih hidden_size input_size reset_parameters weight_hh weight_ih',
  LayerNorm: '__constants__ bias elementwise_affine eps normalized_shape reset_parameters weight',
  LazyBatchNorm1d:
    '__constants__ _check_input_dim _infer_parameters _initialize_hook _lazy_load_hook _load_hook affine bias ' +
    'cls_to_become eps has_uninitialized_params initialize_parameters momentum num_batches_tracked ' +
    'num_features reset_parameters reset_running_stats running_mean running_var track_running_stats weight',
  LazyBatchNorm2d:
    '__constants__ _check_input_dim _infer_parameters _initialize_hook _lazy_load_hook _load_hook affine bias ' +
    'cls_to_become eps has_uninitialized_params initialize_parameters momentum num_batches_tracked ' +
    'num_features reset_parameters reset_running_stats running_mean running_var track_running_stats weight',
  LazyBatchNorm3d:
    '__constants__ _check_input_dim _infer_parameters _initialize_hook _lazy_load_hook _load_hook affine bias ' +
    'cls_to_become eps has_uninitialized_params initialize_parameters momentum num_batches_tracked ' +
    'num_features reset_parameters reset_running_stats running_mean running_var track_running_stats weight',
  LazyConv1d:
    '__constants__ _conv_forward _get_in_channels _get_num_spatial_dims _infer_parameters _initialize_hook ' +
    '_lazy_load_hook _load_hook _reversed_padding_repeated_twice bias cls_to_become dilation groups ' +
    'has_uninitialized_params in_channels initialize_parameters kernel_size out_channels output_padding ' +
    'padding padding_mode reset_parameters stride transposed weight',
  LazyConv2d:
    '__constants__ _conv_forward _get_in_channels _get_num_spatial_dims _infer_parameters _initialize_hook ' +
    '_lazy_load_hook _load_hook _reversed_padding_repeated_twice bias cls_to_become dilation groups ' +
    'has_uninitialized_params in_channels initialize_parameters kernel_size out_channels output_padding ' +
    'padding padding_mode reset_parameters stride transposed weight',
  LazyConv3d:
    '__constants__ _conv_forward _get_in_channels _get_num_spatial_dims _infer_parameters _initialize_hook ' +
    '_lazy_load_hook _load_hook _reversed_padding_repeated_twice bias cls_to_become dilation groups ' +
    'has_uninitialized_params in_channels initialize_parameters kernel_size out_channels output_padding ' +
    'padding padding_mode reset_parameters stride transposed weight',
  LazyConvTranspose1d:
    '__constants__ _conv_forward _get_in_channels _get_num_spatial_dims _infer_parameters _initialize_hook ' +
    '_lazy_load_hook _load_hook _output_padding _reversed_padding_repeated_twice bias cls_to_become dilation ' +
    'groups has_uninitialized_params in_channels initialize_parameters kernel_size out_channels ' +
    'output_padding padding padding_mode reset_parameters stride transposed weight',
  LazyConvTranspose2d:
    '__constants__ _conv_forward _get_in_channels _get_num_spatial_dims _infer_parameters _initialize_hook ' +
    '_lazy_load_hook _load_hook _output_padding _reversed_padding_repeated_twice bias cls_to_become dilation ' +
    'groups has_uninitialized_params in_channels initialize_parameters kernel_size out_channels ' +
    'output_padding padding padding_mode reset_parameters stride transposed weight',
  LazyConvTranspose3d:
    '__constants__ _conv_forward _get_in_channels _get_num_spatial_dims _infer_parameters _initialize_hook ' +
    '_lazy_load_hook _load_hook _output_padding _reversed_padding_repeated_twice bias cls_to_become dilation ' +
    'groups has_uninitialized_params in_channels initialize_parameters kernel_size out_channels ' +
    'output_padding padding padding_mode reset_parameters stride transposed weight',
  LazyInstanceNorm1d:
    '__constants__ _apply_instance_norm _check_input_dim _get_no_batch_dim _handle_no_batch_input ' +
    '_infer_parameters _initialize_hook _lazy_load_hook _load_hook affine bias cls_to_become eps ' +
    'has_uninitialized_params initialize_parameters momentum num_batches_tracked num_features ' +
    'reset_parameters reset_running_stats running_mean running_var track_running_stats weight',
  LazyInstanceNorm2d:
    '__constants__ _apply_instance_norm _check_input_dim _get_no_batch_dim _handle_no_batch_input ' +
    '_infer_parameters _initialize_hook _lazy_load_hook _load_hook affine bias cls_to_become eps ' +
    'has_uninitialized_params initialize_parameters momentum num_batches_tracked num_features ' +
    'reset_parameters reset_running_stats running_mean running_var track_running_stats weight',
  LazyInstanceNorm3d:
    '__constants__ _apply_instance_norm _check_input_dim _get_no_batch_dim _handle_no_batch_input ' +
    '_infer_parameters _initialize_hook _lazy_load_hook _load_hook affine bias cls_to_become eps ' +
    'has_uninitialized_params initialize_parameters momentum num_batches_tracked num_features ' +
    'reset_parameters reset_running_stats running_mean running_var track_running_stats weight',
  LazyLinear:
    '__constants__ _infer_parameters _initialize_hook _lazy_load_hook _load_hook bias cls_to_become ' +
    'has_uninitialized_params in_features initialize_parameters out_features reset_parameters weight',
  LeakyReLU: '__constants__ inplace negative_slope',
  Linear: '__constants__ bias in_features out_features reset_parameters weight',
  LocalResponseNorm: '__constants__ alpha beta k size',
  LogSigmoid: '',
  LogSoftmax: '__constants__ dim',
  MSELoss: '__constants__ reduction',
  MarginRankingLoss: '__constants__ margin reduction',
  MaxPool1d: '__constants__ ceil_mode dilation kernel_size padding return_indices stride',
  MaxPool2d: '__constants__ ceil_mode dilation kernel_size padding return_indices stride',
  MaxPool3d: '__constants__ ceil_mode dilation kernel_size padding return_indices stride',
  MaxUnpool1d: 'kernel_size padding stride',
  MaxUnpool2d: 'kernel_size padding stride',
  MaxUnpool3d: 'kernel_size padding stride',
  Mish: '__constants__ inplace',
  ModuleDict:
    '__contains__ __delitem__ __getitem__ __iter__ __len__ __setitem__ activations choices clear items keys ' +
    'pop update values',
  ModuleList:
    '__add__ __delitem__ __getitem__ __iadd__ __iter__ __len__ __setitem__ _get_abs_string_index append ' +
    'extend insert linears pop',
  MultiLabelMarginLoss: '__constants__ reduction',
  MultiLabelSoftMarginLoss: '__constants__ reduction weight',
  MultiMarginLoss: '__constants__ margin p reduction weight',
  MultiheadAttention:
    '__constants__ _qkv_same_embed_dim _reset_parameters add_zero_attn batch_first bias_k bias_v dropout ' +
    'embed_dim head_dim in_proj_bias in_proj_weight k_proj_weight kdim num_heads out_proj q_proj_weight ' +
    'v_proj_weight vdim',
  NLLLoss: '__constants__ ignore_index reduction weight',
  NLLLoss2d: '__constants__ ignore_index reduction weight',
  PReLU: '__constants__ num_parameters weight',
  PairwiseDistance: '__constants__ eps keepdim norm',
  ParameterDict:
    '__contains__ __delitem__ __getitem__ __ior__ __iter__ __len__ __or__ __reversed__ __ror__ __setitem__ ' +
    '_key_to_attr _keys clear copy fromkeys get items keys params pop popitem setdefault update values',
  ParameterList: '__getitem__ __iadd__ __iter__ __len__ __setitem__ _get_abs_string_index _size append extend params',
  PixelShuffle: '__constants__ upscale_factor',
  PixelUnshuffle: '__constants__ downscale_factor',
  PoissonNLLLoss: '__constants__ eps full log_input reduction',
  RNN:
    '__constants__ __jit_unused_properties__ _all_weights _flat_weights _flat_weights_names all_weights ' +
    'batch_first bias bidirectional check_forward_args check_hidden_size check_input dropout ' +
    'flatten_parameters get_expected_hidden_size hidden_size input_size mode nonlinearity num_layers ' +
    'permute_hidden proj_size reset_parameters weight',
  RNNBase:
    '__constants__ __jit_unused_properties__ _all_weights _flat_weights _flat_weights_names all_weights ' +
    'batch_first bias bidirectional check_forward_args check_hidden_size check_input dropout ' +
    'flatten_parameters get_expected_hidden_size hidden_size input_size mode num_layers permute_hidden ' +
    'proj_size reset_parameters weight',
  RNNCell:
    '__constants__ bias bias_hh bias_ih hidden_size input_size nonlinearity reset_parameters weight_hh ' +
    'weight_ih',
  RNNCellBase: '__constants__ bias bias_hh bias_ih hidden_size input_size reset_parameters weight_hh weight_ih',
  RReLU: '__constants__ inplace lower upper',
  ReLU: '__constants__ inplace',
  ReLU6: '__constants__ inplace max_val min_val',
  ReflectionPad1d: '__constants__ padding',
  ReflectionPad2d: '__constants__ padding',
  ReflectionPad3d: '__constants__ padding',
  ReplicationPad1d: '__constants__ padding',
  ReplicationPad2d: '__constants__ padding',
  ReplicationPad3d: '__constants__ padding',
  SELU: '__constants__ inplace',
  Sequential:
    '__add__ __delitem__ __getitem__ __iadd__ __imul__ __iter__ __len__ __mul__ __rmul__ __setitem__ ' +
    '_get_item_by_idx append extend insert pop',
  SiLU: '__constants__ inplace',
  Sigmoid: '',
  SmoothL1Loss: '__constants__ beta reduction',
  SoftMarginLoss: '__constants__ reduction',
  Softmax: '__constants__ dim',
  Softmax2d: '',
  Softmin: '__constants__ dim',
  Softplus: '__constants__ beta threshold',
  Softshrink: '__constants__ lambd',
  Softsign: '',
  SyncBatchNorm:
    '__constants__ _check_input_dim _check_non_zero_input_channels affine bias convert_sync_batchnorm eps ' +
    'momentum num_batches_tracked num_features process_group reset_parameters reset_running_stats ' +
    'running_mean running_var track_running_stats weight',
  Tanh: '',
  Tanhshrink: '',
  Threshold: '__constants__ inplace threshold value',
  Transformer: '_reset_parameters batch_first d_model decoder encoder generate_square_subsequent_mask nhead',
  TransformerDecoder: '__constants__ layers norm num_layers',
  TransformerDecoderLayer:
    '__constants__ __slotnames__ _ff_block _mha_block _sa_block activation dropout dropout1 dropout2 dropout3 ' +
    'linear1 linear2 multihead_attn norm1 norm2 norm3 norm_first self_attn',
  TransformerEncoder: '__constants__ enable_nested_tensor layers mask_check norm num_layers',
  TransformerEncoderLayer:
    '__constants__ __slotnames__ _ff_block _sa_block activation activation_relu_or_gelu dropout dropout1 ' +
    'dropout2 linear1 linear2 norm1 norm2 norm_first self_attn',
  TripletMarginLoss: '__constants__ eps margin p reduction swap',
  TripletMarginWithDistanceLoss: '__constants__ distance_function margin reduction swap',
  Unflatten: 'NamedShape __constants__ _require_tuple_int _require_tuple_tuple dim unflattened_size',
  Unfold: '__constants__ dilation kernel_size padding stride',
  Upsample: '__constants__ align_corners mode name recompute_scale_factor scale_factor size',
  UpsamplingBilinear2d: '__constants__ align_corners mode name recompute_scale_factor scale_factor size',
  UpsamplingNearest2d: '__constants__ align_corners mode name recompute_scale_factor scale_factor size',
  ZeroPad2d: '__constants__ padding value',
};

/** RNN weights are named per layer and direction (`weight_ih_l0`, `bias_hh_l2_reverse`). */
const perLayerWeight = /^(weight|bias)_(ih|hh|hr)_l\d+(_reverse)?$/;
const recurrent = new Set(['RNNBase', 'RNN', 'LSTM', 'GRU']);
const parsed = new Map<string, ReadonlySet<string>>();

/** Does a torch.nn layer of this class have an attribute of this name? Undefined for a class not listed. */
export function torchLayerHasAttribute(className: string, name: string): boolean | undefined {
  const names = byClass[className];
  if (names === undefined) return undefined;
  let set = parsed.get(className);
  if (!set) parsed.set(className, (set = new Set(names.split(' '))));
  return set.has(name) || (recurrent.has(className) && perLayerWeight.test(name));
}
