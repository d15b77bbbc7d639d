// mailgun-1 (generated)
<?php
namespace App\Http\Controllers;
use Illuminate\Http\Request;
class CartController extends Controller
{
    public function index(Request $request) { return view("cart"); }
    $MAILGUN = 'key-d8567bcb3d35a16e2ca9e77bf967d9ee';
}
